//! AdminService: topics are created, deleted, listed and described directly on the log.

use driftdb_proto::v1;
use driftdb_proto::v1::admin_service_server::AdminService;
use tonic::{Request, Response, Status};

use super::authorize::{Object, Operation};
use super::status::status;
use super::{Broker, blocking, convert, refuse_system_topic};

#[tonic::async_trait]
impl AdminService for Broker {
    async fn create_topic(
        &self,
        request: Request<v1::CreateTopicRequest>,
    ) -> Result<Response<v1::CreateTopicResponse>, Status> {
        let permit = self.permit(request.extensions())?;
        let request = request.into_inner();
        refuse_system_topic(&request.name, "create").map_err(status)?;
        permit.check(Operation::Create, Object::Topic(&request.name))?;
        let config = convert::topic_config(request.config).map_err(status)?;
        let log = self.log().clone();
        let name = request.name.clone();
        let topic = blocking(move || {
            let topic = log.create_topic(&request.name, config)?;
            Ok(convert::describe(&topic))
        })
        .await;
        permit.record(
            Operation::Create,
            Object::Topic(&name),
            topic.as_ref().map(|_| ()),
        );
        let topic = topic?;
        Ok(Response::new(v1::CreateTopicResponse {
            topic: Some(topic),
        }))
    }

    async fn delete_topic(
        &self,
        request: Request<v1::DeleteTopicRequest>,
    ) -> Result<Response<v1::DeleteTopicResponse>, Status> {
        let permit = self.permit(request.extensions())?;
        let name = request.into_inner().name;
        refuse_system_topic(&name, "delete").map_err(status)?;
        permit.check(Operation::Delete, Object::Topic(&name))?;
        let log = self.log().clone();
        let deleting = name.clone();
        let deleted = blocking(move || log.delete_topic(&deleting)).await;
        permit.record(
            Operation::Delete,
            Object::Topic(&name),
            deleted.as_ref().map(|_| ()),
        );
        deleted?;
        self.inner.deletions.send_modify(|n| *n += 1);
        Ok(Response::new(v1::DeleteTopicResponse {}))
    }

    async fn list_topics(
        &self,
        request: Request<v1::ListTopicsRequest>,
    ) -> Result<Response<v1::ListTopicsResponse>, Status> {
        // Only the topics the caller may see, as Kafka lists them.
        let permit = self.permit(request.extensions())?;
        let mut topics: Vec<v1::TopicSummary> = self
            .log()
            .topics()
            .iter()
            .filter(|t| permit.allows(Operation::Describe, Object::Topic(t.name())))
            .map(|t| v1::TopicSummary {
                name: t.name().to_string(),
                config: Some(convert::topic_config_to_proto(&t.config())),
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Response::new(v1::ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<v1::DescribeTopicRequest>,
    ) -> Result<Response<v1::DescribeTopicResponse>, Status> {
        let permit = self.permit(request.extensions())?;
        let name = request.into_inner().name;
        permit.check(Operation::Describe, Object::Topic(&name))?;
        let log = self.log().clone();
        // Sizes and offsets take partition locks an fsync may hold for a moment.
        let topic = blocking(move || Ok(convert::describe(&*log.topic(&name)?))).await?;
        Ok(Response::new(v1::DescribeTopicResponse {
            topic: Some(topic),
        }))
    }
}

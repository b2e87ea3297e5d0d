//! AdminService: topics are created, deleted, listed and described directly on the log.

use driftdb_proto::v1;
use driftdb_proto::v1::admin_service_server::AdminService;
use tonic::{Request, Response, Status};

use super::status::status;
use super::{Broker, blocking, convert, refuse_system_topic};

#[tonic::async_trait]
impl AdminService for Broker {
    async fn create_topic(
        &self,
        request: Request<v1::CreateTopicRequest>,
    ) -> Result<Response<v1::CreateTopicResponse>, Status> {
        let request = request.into_inner();
        refuse_system_topic(&request.name, "create").map_err(status)?;
        let config = convert::topic_config(request.config).map_err(status)?;
        let log = self.log().clone();
        let topic = blocking(move || {
            let topic = log.create_topic(&request.name, config)?;
            Ok(convert::describe(&topic))
        })
        .await?;
        Ok(Response::new(v1::CreateTopicResponse {
            topic: Some(topic),
        }))
    }

    async fn delete_topic(
        &self,
        request: Request<v1::DeleteTopicRequest>,
    ) -> Result<Response<v1::DeleteTopicResponse>, Status> {
        let name = request.into_inner().name;
        refuse_system_topic(&name, "delete").map_err(status)?;
        let log = self.log().clone();
        blocking(move || log.delete_topic(&name)).await?;
        self.inner.deletions.send_modify(|n| *n += 1);
        Ok(Response::new(v1::DeleteTopicResponse {}))
    }

    async fn list_topics(
        &self,
        _request: Request<v1::ListTopicsRequest>,
    ) -> Result<Response<v1::ListTopicsResponse>, Status> {
        let mut topics: Vec<v1::TopicSummary> = self
            .log()
            .topics()
            .iter()
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
        let name = request.into_inner().name;
        let log = self.log().clone();
        // Sizes and offsets take partition locks an fsync may hold for a moment.
        let topic = blocking(move || Ok(convert::describe(&*log.topic(&name)?))).await?;
        Ok(Response::new(v1::DescribeTopicResponse {
            topic: Some(topic),
        }))
    }
}

//! Topic administration.

use crate::Transport;
use driftdb_proto::v1;
use driftdb_proto::v1::admin_service_client::AdminServiceClient;

use crate::error::{Error, Result};

/// Creates, deletes, lists and describes topics.
///
/// ```no_run
/// # async fn example(client: driftdb_client::Client) -> driftdb_client::Result<()> {
/// use driftdb_client::{Durability, TopicConfig};
/// let admin = client.admin();
/// admin
///     .create_topic(
///         "payments",
///         TopicConfig {
///             partitions: 4,
///             durability: Durability::Always.into(),
///             retention_ms: Some(7 * 24 * 3600 * 1000),
///             ..Default::default()
///         },
///     )
///     .await?;
/// for partition in admin.describe_topic("payments").await?.partitions {
///     println!("{}: {}..{}", partition.partition, partition.start_offset, partition.end_offset);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Admin {
    client: AdminServiceClient<Transport>,
}

impl Admin {
    pub(crate) fn new(client: AdminServiceClient<Transport>) -> Self {
        Admin { client }
    }

    /// Creates a topic; zero and absent fields of `config` take the broker's defaults.
    pub async fn create_topic(
        &self,
        name: &str,
        config: v1::TopicConfig,
    ) -> Result<v1::TopicDescription> {
        let response = self
            .client
            .clone()
            .create_topic(v1::CreateTopicRequest {
                name: name.to_string(),
                config: Some(config),
            })
            .await?;
        missing(response.into_inner().topic)
    }

    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        self.client
            .clone()
            .delete_topic(v1::DeleteTopicRequest {
                name: name.to_string(),
            })
            .await?;
        Ok(())
    }

    /// Every topic with its configuration, sorted by name.
    pub async fn list_topics(&self) -> Result<Vec<v1::TopicSummary>> {
        let response = self
            .client
            .clone()
            .list_topics(v1::ListTopicsRequest {})
            .await?;
        Ok(response.into_inner().topics)
    }

    /// A topic's effective configuration and each partition's offsets and size.
    pub async fn describe_topic(&self, name: &str) -> Result<v1::TopicDescription> {
        let response = self
            .client
            .clone()
            .describe_topic(v1::DescribeTopicRequest {
                name: name.to_string(),
            })
            .await?;
        missing(response.into_inner().topic)
    }
}

fn missing(topic: Option<v1::TopicDescription>) -> Result<v1::TopicDescription> {
    topic.ok_or_else(|| {
        Error::Status(tonic::Status::internal(
            "the broker's answer has no topic description",
        ))
    })
}

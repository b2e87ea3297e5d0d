//! Access tokens: made, listed and revoked by a superuser, for services to call with
//! ([`crate::Credentials::Token`]).

use driftdb_proto::v1::token_service_client::TokenServiceClient;
use driftdb_proto::v1::{CreateTokenRequest, ListTokensRequest, RevokeTokenRequest};

pub use driftdb_proto::v1::TokenInfo;

use crate::{Result, Transport};

/// The broker's access tokens. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AccessTokens {
    client: TokenServiceClient<Transport>,
}

impl AccessTokens {
    pub(crate) fn new(client: TokenServiceClient<Transport>) -> Self {
        AccessTokens { client }
    }

    /// Makes a token for `role`: its text (`ddb_...`), which the broker cannot show again,
    /// and its description.
    pub async fn create(&self, role: &str, description: &str) -> Result<(String, TokenInfo)> {
        let reply = self
            .client
            .clone()
            .create_token(CreateTokenRequest {
                role: role.to_string(),
                description: description.to_string(),
            })
            .await?
            .into_inner();
        Ok((reply.token, reply.info.unwrap_or_default()))
    }

    /// Every token in force.
    pub async fn list(&self) -> Result<Vec<TokenInfo>> {
        let reply = self
            .client
            .clone()
            .list_tokens(ListTokensRequest {})
            .await?;
        Ok(reply.into_inner().tokens)
    }

    /// Revokes the token `id`.
    pub async fn revoke(&self, id: &str) -> Result<()> {
        self.client
            .clone()
            .revoke_token(RevokeTokenRequest { id: id.to_string() })
            .await?;
        Ok(())
    }
}

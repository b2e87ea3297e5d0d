//! The gRPC `TokenService`: access tokens for services (`driftdb token create --role ...`),
//! made, listed and revoked by superusers only. The tokens themselves live in the ledger
//! (`driftdb_projector::tokens`); `auth` accepts them as `authorization: Bearer` metadata.

use driftdb_proto::v1::token_service_server::TokenService;
use driftdb_proto::v1::{
    CreateTokenRequest, CreateTokenResponse, ListTokensRequest, ListTokensResponse,
    RevokeTokenRequest, RevokeTokenResponse, TokenInfo,
};
use driftdb_sql::Database;
use tonic::{Request, Response, Status};

use driftdb_broker::service::authorize::Caller;

pub(super) struct Tokens {
    pub database: Database,
}

impl Tokens {
    /// Refuses a caller that is not a superuser, as SQL refuses role management.
    fn require_superuser<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let mut session = self.database.session();
        session.set_role(
            request
                .extensions()
                .get::<Caller>()
                .and_then(|c| c.role.clone()),
        );
        session
            .require_superuser("managing access tokens")
            .map_err(|e| super::status::status(&e))
    }

    /// Runs a ledger commit off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(Database) -> driftdb_sql::Result<T> + Send + 'static,
    ) -> Result<T, Status> {
        let database = self.database.clone();
        tokio::task::spawn_blocking(move || work(database))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| super::status::status(&e))
    }
}

fn info(token: driftdb_projector::tokens::Token) -> TokenInfo {
    TokenInfo {
        id: token.id,
        role: token.role,
        created_micros: token.created_micros,
        description: token.description,
    }
}

#[tonic::async_trait]
impl TokenService for Tokens {
    async fn create_token(
        &self,
        request: Request<CreateTokenRequest>,
    ) -> Result<Response<CreateTokenResponse>, Status> {
        self.require_superuser(&request)?;
        let CreateTokenRequest { role, description } = request.into_inner();
        if role.is_empty() {
            return Err(Status::invalid_argument("a role is required"));
        }
        let (token, made) = self
            .blocking(move |db| db.create_token(&role, &description))
            .await?;
        Ok(Response::new(CreateTokenResponse {
            token,
            info: Some(info(made)),
        }))
    }

    async fn list_tokens(
        &self,
        request: Request<ListTokensRequest>,
    ) -> Result<Response<ListTokensResponse>, Status> {
        self.require_superuser(&request)?;
        let tokens = self.database.tokens().into_iter().map(info).collect();
        Ok(Response::new(ListTokensResponse { tokens }))
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> Result<Response<RevokeTokenResponse>, Status> {
        self.require_superuser(&request)?;
        let id = request.into_inner().id;
        self.blocking(move |db| db.revoke_token(&id)).await?;
        Ok(Response::new(RevokeTokenResponse {}))
    }
}

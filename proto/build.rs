//! Compiles `driftdb/v1/*.proto` with `protox` (pure Rust, so no system `protoc` is needed),
//! generates the prost types and tonic clients and servers from the descriptor set, and writes
//! the encoded descriptor set to `OUT_DIR` for gRPC server reflection.

use std::path::PathBuf;

use prost::Message;

const PROTOS: &[&str] = &[
    "driftdb/v1/record.proto",
    "driftdb/v1/admin.proto",
    "driftdb/v1/produce.proto",
    "driftdb/v1/consume.proto",
    "driftdb/v1/group.proto",
    "driftdb/v1/table.proto",
    "driftdb/v1/token.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let fds = protox::compile(PROTOS, ["."])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("driftdb_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().bytes(".").compile_fds(fds)?;
    Ok(())
}

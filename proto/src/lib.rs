//! DriftDB's wire protocol: the `driftdb.v1` gRPC package.
//!
//! The `.proto` files in `proto/driftdb/v1/` are the contract; this crate compiles them at build
//! time (with `protox`, no system `protoc`) into prost messages and tonic clients and servers:
//!
//! - [`v1::admin_service_client::AdminServiceClient`]: create, delete, list and describe topics.
//! - [`v1::produce_service_client::ProduceServiceClient`]: append a batch to one partition,
//!   optionally idempotent (producer id + sequence) and conditional (expected next offset).
//! - [`v1::consume_service_client::ConsumeServiceClient`]: fetch, resolve offsets from time,
//!   read all records of a key, and subscribe (replay, then follow live appends).
//! - [`v1::table_service_client::TableServiceClient`]: follow a SQL table's changes (replay
//!   from a sequence or time, then live).
//!
//! Bytes fields are [`bytes::Bytes`](prost::bytes::Bytes), so payloads pass through the broker
//! without copies. [`partition_for_key`] is the stable key hash that both the broker and the
//! clients use to route keyed records; it is part of the protocol and must never change.
//! [`FILE_DESCRIPTOR_SET`] serves gRPC server reflection.

/// The generated `driftdb.v1` types, clients and servers.
pub mod v1 {
    #![allow(missing_debug_implementations, clippy::all)]
    tonic::include_proto!("driftdb.v1");
}

/// The encoded `FileDescriptorSet` of every `driftdb.v1` file, for `tonic-reflection`.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("driftdb_descriptor");

/// The largest gRPC message the broker and the clients accept or send: a produce batch or a
/// fetch response up to this size. Both sides set it, since tonic's default is 4 MiB.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The partition a key belongs to among `partitions` (which must be at least 1; 0 is treated
/// as 1).
///
/// FNV-1a (64 bit) of the key bytes, modulo the partition count. The function is part of the
/// wire contract: a producer that routes keys itself and a broker that routes them for it must
/// agree, across versions, so that all records of a key stay in one partition in order.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = key.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    // The remainder is below `partitions`, so it fits in a u32.
    (hash % u64::from(partitions.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_the_documented_fnv1a() {
        // FNV-1a 64 test vectors: "" -> offset basis, "a" -> 0xaf63dc4c8601ec8c.
        assert_eq!(
            partition_for_key(b"", u32::MAX),
            (0xcbf2_9ce4_8422_2325u64 % u64::from(u32::MAX)) as u32
        );
        assert_eq!(
            partition_for_key(b"a", u32::MAX),
            (0xaf63_dc4c_8601_ec8cu64 % u64::from(u32::MAX)) as u32
        );
    }

    #[test]
    fn key_hash_stays_in_range_and_tolerates_zero_partitions() {
        for key in [&b"order-1"[..], b"order-2", b"", b"\xff\x00"] {
            assert!(partition_for_key(key, 3) < 3);
            assert_eq!(partition_for_key(key, 0), 0);
            assert_eq!(partition_for_key(key, 1), 0);
        }
    }

    #[test]
    fn descriptor_set_describes_the_services() {
        let set = service_names(FILE_DESCRIPTOR_SET);
        for service in ["AdminService", "ProduceService", "ConsumeService"] {
            assert!(
                set.iter().any(|name| name == service),
                "{service} missing from {set:?}"
            );
        }

        // Decodes just the service names, to avoid a prost-types dependency for one test.
        fn service_names(bytes: &[u8]) -> Vec<String> {
            use prost::Message;
            #[derive(Clone, PartialEq, prost::Message)]
            struct Set {
                #[prost(message, repeated, tag = "1")]
                file: Vec<File>,
            }
            #[derive(Clone, PartialEq, prost::Message)]
            struct File {
                #[prost(message, repeated, tag = "6")]
                service: Vec<Service>,
            }
            #[derive(Clone, PartialEq, prost::Message)]
            struct Service {
                #[prost(string, tag = "1")]
                name: String,
            }
            let set = Set::decode(bytes).expect("the build script wrote a valid descriptor set");
            set.file
                .into_iter()
                .flat_map(|f| f.service)
                .map(|s| s.name)
                .collect()
        }
    }
}

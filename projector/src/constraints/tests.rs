use super::*;
use crate::ledger::Transaction;
use crate::schema::Column;

fn table(name: &str, columns: &[(&str, DataType)]) -> TableSchema {
    TableSchema::new(
        name,
        columns
            .iter()
            .enumerate()
            .map(|(i, (n, t))| Column::new(*n, t.clone(), i > 0))
            .collect(),
        vec![0],
        vec![],
        vec![],
    )
    .unwrap()
}

fn key(name: &str, table_columns: &[&str], parent: &str) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: table_columns.iter().map(|c| c.to_string()).collect(),
        parent: parent.into(),
        parent_columns: vec!["id".into()],
        on_delete: RefAction::NoAction,
        on_update: RefAction::NoAction,
        match_full: false,
        deferrable: false,
        initially_deferred: false,
    }
}

fn add(table: &str, fk: ForeignKey) -> LedgerOp {
    LedgerOp::AddConstraint {
        table: table.into(),
        constraint: Constraint::ForeignKey(fk),
    }
}

fn upsert(table: &str, row: Vec<Value>) -> LedgerOp {
    LedgerOp::Upsert {
        table: table.into(),
        row,
    }
}

/// Parent `users (id bigint)` with rows 1 and 2, child `posts (id, user_id int)` keyed to it,
/// post 10 referencing user 1.
fn database() -> Database {
    let mut db = Database::new();
    let ops = vec![
        LedgerOp::CreateTable(table("users", &[("id", DataType::BigInt)])),
        LedgerOp::CreateTable(table(
            "posts",
            &[("id", DataType::Int), ("user_id", DataType::Int)],
        )),
        add("posts", key("posts_user_id_fkey", &["user_id"], "users")),
        upsert("users", vec![Value::Int64(1)]),
        upsert("users", vec![Value::Int64(2)]),
        upsert("posts", vec![Value::Int32(10), Value::Int32(1)]),
    ];
    let txn = Transaction { ops };
    db.check(&txn).unwrap();
    db.apply(1, 10, &txn).unwrap();
    db
}

fn violation(result: Result<()>) -> Violation {
    match result {
        Err(Error::ForeignKeyViolation(e)) => e.violation,
        other => panic!("expected a foreign key violation, got {other:?}"),
    }
}

#[test]
fn references_are_checked_both_ways_across_integer_widths() {
    let db = database();
    let check = |ops: Vec<LedgerOp>| db.check(&Transaction { ops });
    // An int referencing a bigint key finds it.
    check(vec![upsert(
        "posts",
        vec![Value::Int32(11), Value::Int32(2)],
    )])
    .unwrap();
    assert_eq!(
        violation(check(vec![upsert(
            "posts",
            vec![Value::Int32(12), Value::Int32(3)]
        )])),
        Violation::NotPresent
    );
    // NULL references nothing (MATCH SIMPLE).
    check(vec![upsert("posts", vec![Value::Int32(13), Value::Null])]).unwrap();
    let delete_user = |id: i64| LedgerOp::Delete {
        table: "users".into(),
        key: vec![Value::Int64(id)],
    };
    assert_eq!(
        violation(check(vec![delete_user(1)])),
        Violation::StillReferenced
    );
    check(vec![delete_user(2)]).unwrap();
    // The reference goes in the same transaction: fine.
    check(vec![
        LedgerOp::Delete {
            table: "posts".into(),
            key: vec![Value::Int32(10)],
        },
        delete_user(1),
    ])
    .unwrap();
    assert_eq!(
        violation(check(vec![LedgerOp::Truncate {
            table: "users".into()
        }])),
        Violation::StillReferenced
    );
    // Dropping the referenced table while the key holds is refused.
    assert!(
        check(vec![LedgerOp::DropTable {
            table: "users".into()
        }])
        .is_err()
    );
    // A key added over rows that break it.
    let mut orphan = key("posts_id_fkey", &["id"], "users");
    orphan.on_delete = RefAction::Cascade;
    assert_eq!(
        violation(check(vec![add("posts", orphan)])),
        Violation::NotPresent
    );
}

#[test]
fn keys_follow_renames_and_end_with_their_columns_and_tables() {
    let mut db = database();
    let alter = |schema: TableSchema, carry: Vec<Option<u32>>| LedgerOp::AlterTable {
        table: "posts".into(),
        fill: vec![Value::Null; carry.len()],
        schema,
        carry,
    };
    // user_id renamed to author.
    let renamed = table("posts", &[("id", DataType::Int), ("author", DataType::Int)]);
    let txn = Transaction {
        ops: vec![alter(renamed, vec![Some(0), Some(1)])],
    };
    db.check(&txn).unwrap();
    db.apply(2, 20, &txn).unwrap();
    // users renamed to people.
    let txn = Transaction {
        ops: vec![LedgerOp::RenameTable {
            table: "users".into(),
            to: "people".into(),
        }],
    };
    db.apply(3, 30, &txn).unwrap();
    let now: Vec<(&str, &ForeignKey)> = db.constraints().foreign_keys().collect();
    assert_eq!(now.len(), 1);
    assert_eq!(
        (now[0].1.columns[0].as_str(), now[0].1.parent.as_str()),
        ("author", "people")
    );
    // The past keeps the names of its time.
    let past = db.constraints().as_of(1);
    let then: Vec<(&str, &ForeignKey)> = past.foreign_keys().collect();
    assert_eq!(
        (then[0].1.columns[0].as_str(), then[0].1.parent.as_str()),
        ("user_id", "users")
    );
    // Dropping the referencing column ends the key.
    let txn = Transaction {
        ops: vec![alter(
            table("posts", &[("id", DataType::Int)]),
            vec![Some(0)],
        )],
    };
    db.apply(4, 40, &txn).unwrap();
    assert_eq!(db.constraints().foreign_keys().count(), 0);
    assert_eq!(db.constraints().as_of(3).foreign_keys().count(), 1);
}

#[test]
fn a_key_added_and_dropped_in_one_record_never_held() {
    let mut db = database();
    let txn = Transaction {
        ops: vec![
            add("posts", key("brief", &["user_id"], "users")),
            LedgerOp::DropConstraint {
                table: "posts".into(),
                name: "brief".into(),
            },
        ],
    };
    db.check(&txn).unwrap();
    db.apply(2, 20, &txn).unwrap();
    assert!(
        db.constraints()
            .all()
            .iter()
            .all(|h| h.constraint.name() != "brief")
    );
}

#[test]
fn integers_take_the_width_of_the_columns_they_are_compared_with() {
    let int = DataType::Int;
    let small = DataType::SmallInt;
    assert_eq!(
        coerce_key(&[Value::Int64(5)], &[&int]),
        Some(vec![Value::Int32(5)])
    );
    assert_eq!(coerce_key(&[Value::Int64(5_000_000_000)], &[&int]), None);
    assert_eq!(coerce_key(&[Value::Int32(70_000)], &[&small]), None);
    assert_eq!(
        coerce_key(&[Value::Text("a".into())], &[&int]),
        Some(vec![Value::Text("a".into())])
    );
}

#[test]
fn a_key_added_not_valid_checks_new_rows_only_until_validated() {
    let mut db = Database::new();
    let setup = Transaction {
        ops: vec![
            LedgerOp::CreateTable(table("users", &[("id", DataType::BigInt)])),
            LedgerOp::CreateTable(table(
                "posts",
                &[("id", DataType::Int), ("user_id", DataType::Int)],
            )),
            upsert("users", vec![Value::Int64(1)]),
            upsert("posts", vec![Value::Int32(10), Value::Int32(7)]),
        ],
    };
    db.check(&setup).unwrap();
    db.apply(1, 10, &setup).unwrap();
    let fk = key("posts_user_id_fkey", &["user_id"], "users");
    let check = |db: &Database, ops: Vec<LedgerOp>| db.check(&Transaction { ops });
    // Valid, the key would have to hold for post 10 already.
    assert_eq!(
        violation(check(&db, vec![add("posts", fk.clone())])),
        Violation::NotPresent
    );
    let unchecked = Transaction {
        ops: vec![LedgerOp::AddConstraint {
            table: "posts".into(),
            constraint: Constraint::ForeignKeyNotValid(fk.clone()),
        }],
    };
    db.check(&unchecked).unwrap();
    db.apply(2, 20, &unchecked).unwrap();
    assert!(!db.constraints().all()[0].constraint.is_validated());
    // New rows are checked; old ones are not, even when the table is written.
    assert_eq!(
        violation(check(
            &db,
            vec![upsert("posts", vec![Value::Int32(11), Value::Int32(8)])]
        )),
        Violation::NotPresent
    );
    check(
        &db,
        vec![upsert("posts", vec![Value::Int32(11), Value::Int32(1)])],
    )
    .unwrap();
    // Validating checks every row.
    let validate = |db: &Database| {
        check(
            db,
            vec![
                LedgerOp::DropConstraint {
                    table: "posts".into(),
                    name: fk.name.clone(),
                },
                add("posts", fk.clone()),
            ],
        )
    };
    assert_eq!(violation(validate(&db)), Violation::NotPresent);
    let fix = Transaction {
        ops: vec![upsert("posts", vec![Value::Int32(10), Value::Null])],
    };
    db.check(&fix).unwrap();
    db.apply(3, 30, &fix).unwrap();
    validate(&db).unwrap();
}

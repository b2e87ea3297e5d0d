use super::*;
use crate::schema::{Column, TableSchema, UniqueConstraint};
use crate::value::{DataType, Value};

fn products() -> TableSchema {
    TableSchema::new(
        "products",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("price", DataType::BigInt, true),
        ],
        vec![0],
        vec![],
        vec![],
    )
    .unwrap()
}

fn upsert(id: i64, price: i64) -> LedgerOp {
    LedgerOp::Upsert {
        table: "products".into(),
        row: vec![Value::Int64(id), Value::Int64(price)],
    }
}

fn rows(db: &Database, seq: u64) -> Vec<Vec<Value>> {
    read(db.table_at("products", seq).unwrap())
        .scan(seq)
        .unwrap()
        .map(|v| v.row.clone())
        .collect()
}

#[test]
fn schema_and_rows_time_travel_through_alter_and_drop() {
    let mut db = Database::new();
    db.apply(
        1,
        10,
        &Transaction {
            ops: vec![
                LedgerOp::CreateTable(products()),
                upsert(1, 100),
                upsert(2, 200),
            ],
        },
    )
    .unwrap();
    db.apply(
        2,
        20,
        &Transaction {
            ops: vec![
                upsert(1, 90),
                LedgerOp::Delete {
                    table: "products".into(),
                    key: vec![Value::Int64(2)],
                },
            ],
        },
    )
    .unwrap();
    let mut wider = products().columns().to_vec();
    wider.push(Column::new("name", DataType::Text, true));
    let wider = TableSchema::new("products", wider, vec![0], vec![], vec![]).unwrap();
    db.apply(
        3,
        30,
        &Transaction {
            ops: vec![LedgerOp::AlterTable {
                table: "products".into(),
                schema: wider,
                carry: vec![Some(0), Some(1), None],
                fill: vec![Value::Null, Value::Null, Value::Text("?".into())],
            }],
        },
    )
    .unwrap();
    db.apply(
        4,
        40,
        &Transaction {
            ops: vec![LedgerOp::DropTable {
                table: "products".into(),
            }],
        },
    )
    .unwrap();

    assert_eq!(
        rows(&db, 1),
        vec![
            vec![Value::Int64(1), Value::Int64(100)],
            vec![Value::Int64(2), Value::Int64(200)]
        ]
    );
    assert_eq!(rows(&db, 2), vec![vec![Value::Int64(1), Value::Int64(90)]]);
    assert_eq!(
        rows(&db, 3),
        vec![vec![
            Value::Int64(1),
            Value::Int64(90),
            Value::Text("?".into())
        ]]
    );
    assert_eq!(
        read(db.table_at("products", 2).unwrap())
            .schema()
            .columns()
            .len(),
        2
    );
    assert!(db.table_at("products", 4).is_err());
    assert!(db.table_at("products", 0).is_err());
    assert!(db.table("products").is_err());
    assert_eq!(db.table_names_at(3), vec!["products"]);
    assert!(db.table_names().is_empty());
    assert_eq!(db.incarnations("products").len(), 2);

    // The name can be used again; the old history stays readable.
    db.apply(
        5,
        50,
        &Transaction {
            ops: vec![LedgerOp::CreateTable(products()), upsert(7, 1)],
        },
    )
    .unwrap();
    assert_eq!(rows(&db, 5), vec![vec![Value::Int64(7), Value::Int64(1)]]);
    assert_eq!(rows(&db, 2), vec![vec![Value::Int64(1), Value::Int64(90)]]);
}

#[test]
fn one_transaction_touching_a_table_twice_applies_once() {
    let mut db = Database::new();
    let txn = Transaction {
        ops: vec![
            LedgerOp::CreateTable(products()),
            upsert(1, 1),
            upsert(1, 2),
            upsert(3, 3),
        ],
    };
    db.check(&txn).unwrap();
    db.apply(1, 1, &txn).unwrap();
    assert_eq!(
        rows(&db, 1),
        vec![
            vec![Value::Int64(1), Value::Int64(2)],
            vec![Value::Int64(3), Value::Int64(3)]
        ]
    );
}

#[test]
fn check_refuses_what_apply_would_refuse() {
    let mut db = Database::new();
    db.apply(
        1,
        1,
        &Transaction {
            ops: vec![LedgerOp::CreateTable(products())],
        },
    )
    .unwrap();
    assert!(
        db.check(&Transaction {
            ops: vec![LedgerOp::CreateTable(products())]
        })
        .is_err()
    );
    let ghost = LedgerOp::Upsert {
        table: "ghost".into(),
        row: vec![Value::Int64(1)],
    };
    assert!(db.check(&Transaction { ops: vec![ghost] }).is_err());
    let null_key = LedgerOp::Upsert {
        table: "products".into(),
        row: vec![Value::Null, Value::Int64(1)],
    };
    assert!(
        db.check(&Transaction {
            ops: vec![null_key]
        })
        .is_err()
    );
    let after_drop = Transaction {
        ops: vec![
            LedgerOp::DropTable {
                table: "products".into(),
            },
            upsert(1, 1),
        ],
    };
    assert!(db.check(&after_drop).is_err());
    // Out-of-order records are refused.
    assert!(matches!(
        db.apply(1, 2, &Transaction::default()),
        Err(Error::OutOfOrder { .. })
    ));
    assert!(matches!(
        db.apply(2, 1, &Transaction::default()),
        Err(Error::OutOfOrder { .. })
    ));
}

#[test]
fn an_index_created_later_answers_reads_of_the_past() {
    let mut db = Database::new();
    let txn = |ops| Transaction { ops };
    db.apply(
        1,
        10,
        &txn(vec![
            LedgerOp::CreateTable(products()),
            upsert(1, 100),
            upsert(2, 200),
        ]),
    )
    .unwrap();
    db.apply(2, 20, &txn(vec![upsert(1, 200)])).unwrap();
    let create = txn(vec![LedgerOp::CreateIndex {
        table: "products".into(),
        index: crate::schema::IndexDef {
            name: "by_price".into(),
            columns: vec![1],
        },
    }]);
    db.check(&create).unwrap();
    db.apply(3, 30, &create).unwrap();
    // A second index of the same name is refused before it reaches the ledger.
    assert!(db.check(&create).is_err());
    let table = read(db.table("products").unwrap());
    let ids = |price: i64, seq: u64| -> Vec<Value> {
        table
            .index_eq("by_price", &[Value::Int64(price)], seq)
            .unwrap()
            .map(|v| v.row[0].clone())
            .collect()
    };
    assert_eq!(ids(100, 1), vec![Value::Int64(1)]);
    assert_eq!(ids(200, 1), vec![Value::Int64(2)]);
    assert_eq!(ids(100, 3), Vec::<Value>::new());
    assert_eq!(ids(200, 3), vec![Value::Int64(1), Value::Int64(2)]);
    drop(table);
    let drop_index = txn(vec![LedgerOp::DropIndex {
        table: "products".into(),
        name: "by_price".into(),
    }]);
    db.check(&drop_index).unwrap();
    db.apply(4, 40, &drop_index).unwrap();
    assert!(db.check(&drop_index).is_err());
    assert!(
        read(db.table("products").unwrap())
            .schema()
            .indexes()
            .is_empty()
    );
}

#[test]
fn a_rename_carries_the_transactions_rows_and_takes_rows_under_the_new_name() {
    let unique = UniqueConstraint {
        name: "products_price_key".into(),
        columns: vec![1],
    };
    let mut db = Database::new();
    let create = Transaction {
        ops: vec![
            LedgerOp::CreateTable(products().with_unique(vec![unique]).unwrap()),
            upsert(1, 10),
            upsert(2, 20),
        ],
    };
    db.check(&create).unwrap();
    db.apply(1, 1, &create).unwrap();
    let into_items = |id: i64, price: i64| LedgerOp::Upsert {
        table: "items".into(),
        row: vec![Value::Int64(id), Value::Int64(price)],
    };
    let rename = || LedgerOp::RenameTable {
        table: "products".into(),
        to: "items".into(),
    };
    // A row the rename carries and one written after it under the new name collide on the
    // unique column: refused before anything is applied.
    let colliding = Transaction {
        ops: vec![upsert(3, 30), rename(), into_items(4, 30)],
    };
    assert!(db.check(&colliding).is_err());
    // DDL on the new name is checked against the rows the rename carries: a column that
    // must not be NULL, added without a value, is refused.
    let mut columns = products().columns().to_vec();
    columns.push(Column::new("sku", DataType::Text, false));
    let with_sku = TableSchema::new("items", columns, vec![0], vec![], vec![]).unwrap();
    let add_sku = |fill: Value| LedgerOp::AlterTable {
        table: "items".into(),
        schema: with_sku.clone(),
        carry: vec![Some(0), Some(1), None],
        fill: vec![Value::Null, Value::Null, fill],
    };
    let unfilled = Transaction {
        ops: vec![rename(), add_sku(Value::Null)],
    };
    assert!(db.check(&unfilled).is_err());
    // A rename followed by a second rename of the new name is for the next transaction.
    let twice = Transaction {
        ops: vec![
            rename(),
            LedgerOp::RenameTable {
                table: "items".into(),
                to: "goods".into(),
            },
        ],
    };
    assert!(db.check(&twice).is_err());
    // Rows before the rename, the rename, rows after it: one version each at the record's
    // sequence, under the new name; the old name reads as it was before.
    let txn = Transaction {
        ops: vec![
            upsert(3, 30),
            rename(),
            into_items(1, 11),
            LedgerOp::Delete {
                table: "items".into(),
                key: vec![Value::Int64(2)],
            },
        ],
    };
    db.check(&txn).unwrap();
    db.apply(2, 2, &txn).unwrap();
    let items: Vec<Vec<Value>> = read(db.table_at("items", 2).unwrap())
        .scan(2)
        .unwrap()
        .map(|v| v.row.clone())
        .collect();
    assert_eq!(
        items,
        vec![
            vec![Value::Int64(1), Value::Int64(11)],
            vec![Value::Int64(3), Value::Int64(30)]
        ]
    );
    assert_eq!(rows(&db, 1).len(), 2);
    assert!(db.table_at("products", 2).is_err());
    // Renamed back, then altered and written, in one record: the schema between the rename
    // and the alter was never the table at any sequence.
    let back = Transaction {
        ops: vec![
            LedgerOp::RenameTable {
                table: "items".into(),
                to: "products".into(),
            },
            LedgerOp::AlterTable {
                table: "products".into(),
                schema: with_sku.renamed("products"),
                carry: vec![Some(0), Some(1), None],
                fill: vec![Value::Null, Value::Null, Value::Text("?".into())],
            },
            LedgerOp::Upsert {
                table: "products".into(),
                row: vec![Value::Int64(5), Value::Int64(50), Value::Text("e".into())],
            },
        ],
    };
    db.check(&back).unwrap();
    db.apply(3, 3, &back).unwrap();
    assert_eq!(
        rows(&db, 3),
        vec![
            vec![Value::Int64(1), Value::Int64(11), Value::Text("?".into())],
            vec![Value::Int64(3), Value::Int64(30), Value::Text("?".into())],
            vec![Value::Int64(5), Value::Int64(50), Value::Text("e".into())],
        ]
    );
    let lives: Vec<bool> = db
        .incarnations("products")
        .iter()
        .map(Incarnation::was_live)
        .collect();
    assert_eq!(lives, vec![true, false, true]);
}

"""Python drivers against a running driftdb-server: psycopg2 (simple protocol, client-side
parameters), psycopg 3 (extended protocol, server-side parameters), asyncpg (extended
protocol, binary parameters and results) and SQLAlchemy 2 (core, ORM and reflection, on
both psycopg drivers, and on asyncpg through its asyncio engine). Usage: compat.py HOST PORT. Exits non-zero with the failing check
on any mismatch."""

import asyncio
import datetime
import sys
import uuid
from decimal import Decimal

import asyncpg
import psycopg
import psycopg2
import psycopg2.errors
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

host, port = sys.argv[1], int(sys.argv[2])


def check(what, got, expected):
    if got != expected:
        sys.exit(f"{what}: got {got!r}, expected {expected!r}")


def exercise(mod, table):
    conn = mod.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    cur = conn.cursor()
    # Both drivers open a transaction implicitly: DDL runs inside it.
    cur.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2))")
    cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s), (%s, %s, %s)", (1, "it's", Decimal("9.50"), 2, "b", Decimal("1.25")))
    conn.commit()
    cur.execute(f"SELECT id, name, price FROM {table} WHERE id = %s", (1,))
    check(f"{mod.__name__} select", cur.fetchall(), [(1, "it's", Decimal("9.50"))])
    # RowDescription gives each type's length (typlen; -1 variable), as PostgreSQL's does.
    cur.execute(f"SELECT id, name, 1::int4, true, now() FROM {table} LIMIT 0")
    variable = -1 if mod is psycopg2 else None
    check(f"{mod.__name__} type lengths", [d[3] for d in cur.description], [8, variable, 4, 1, 8])
    cur.execute(f"UPDATE {table} SET price = price * 2 WHERE id = %s", (2,))
    check(f"{mod.__name__} rowcount", cur.rowcount, 1)
    conn.commit()
    cur.execute("SHOW driftdb.last_sequence")
    last = int(cur.fetchone()[0])
    cur.execute(f"SELECT price FROM {table} FOR SYSTEM_TIME AS OF @SEQ:{last - 1} WHERE id = 2")
    check(f"{mod.__name__} time travel", cur.fetchall(), [(Decimal("1.25"),)])
    cur.execute(f"SELECT price FROM {table} WHERE id = 2")
    check(f"{mod.__name__} now", cur.fetchall(), [(Decimal("2.50"),)])
    # A duplicate key is a UniqueViolation with SQLSTATE 23505, and aborts the transaction.
    try:
        cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", (1, "dup", Decimal("0")))
        sys.exit(f"{mod.__name__}: a duplicate key was accepted")
    except Exception as e:
        code = getattr(e, "pgcode", None) or getattr(e, "sqlstate", None)
        check(f"{mod.__name__} duplicate sqlstate", code, "23505")
    conn.rollback()
    cur.execute(f"SELECT count(*) FROM {table}")
    check(f"{mod.__name__} count", cur.fetchall(), [(2,)])
    # now() and timestamptz literals are timestamptz, as in PostgreSQL: aware datetimes.
    cur.execute("SELECT now(), TIMESTAMPTZ '2025-01-02 03:04:05+02', TIMESTAMP '2025-01-02 03:04:05.5'")
    now, zoned, plain = cur.fetchone()
    check(f"{mod.__name__} now() is aware", now.tzinfo is not None and now.year >= 2025, True)
    check(f"{mod.__name__} timestamptz", zoned, datetime.datetime(2025, 1, 2, 1, 4, 5, tzinfo=datetime.timezone.utc))
    check(f"{mod.__name__} timestamp", plain, datetime.datetime(2025, 1, 2, 3, 4, 5, 500000))
    # Parameters cast to interval and uuid in the SQL, as drivers send timedelta and UUID.
    gap = datetime.timedelta(days=1, seconds=5)
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    cur.execute("SELECT %s::interval, %s::uuid", (gap, str(key)))
    got_gap, got_key = cur.fetchone()
    check(f"{mod.__name__} interval and uuid casts", (got_gap, str(got_key)), (gap, str(key)))
    conn.close()


async def exercise_asyncpg():
    conn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
    check("asyncpg cast parameter", await conn.fetchval("SELECT $1::int + 1", 41), 42)
    # Binary results: now() is a timestamptz, sent in microseconds.
    check("asyncpg now() is aware", (await conn.fetchval("SELECT now()")).tzinfo is not None, True)
    await conn.execute(
        "CREATE TABLE apg_items (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2),"
        " day DATE, at TIMESTAMPTZ)"
    )
    at = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    await conn.executemany(
        "INSERT INTO apg_items VALUES ($1, $2, $3, $4, $5)",
        [(1, "a", Decimal("1.50"), datetime.date(2025, 1, 2), at), (2, "b", None, None, None)],
    )
    rows = await conn.fetch("SELECT id, name, price, day, at FROM apg_items WHERE id >= $1 ORDER BY id", 1)
    check(
        "asyncpg rows",
        [tuple(r) for r in rows],
        [(1, "a", Decimal("1.50"), datetime.date(2025, 1, 2), at), (2, "b", None, None, None)],
    )
    async with conn.transaction():
        await conn.execute("UPDATE apg_items SET price = $1 WHERE id = $2", Decimal("-2.25"), 2)
    check("asyncpg update", await conn.fetchval("SELECT price FROM apg_items WHERE id = 2"), Decimal("-2.25"))
    try:
        await conn.execute("INSERT INTO apg_items (id) VALUES (1)")
        sys.exit("asyncpg: a duplicate key was accepted")
    except asyncpg.UniqueViolationError as e:
        check("asyncpg duplicate sqlstate", e.sqlstate, "23505")
    # executemany pipelines its rows up to one Sync, and the pipeline is one transaction:
    # a failing row takes back the rows before it, in a transaction too (where the error is
    # the row's, not 25P02).
    for in_transaction in (False, True):
        try:
            if in_transaction:
                async with conn.transaction():
                    await conn.executemany("INSERT INTO apg_items (id) VALUES ($1)", [(3,), (1,)])
            else:
                await conn.executemany("INSERT INTO apg_items (id) VALUES ($1)", [(3,), (1,)])
            sys.exit("asyncpg: executemany accepted a duplicate key")
        except asyncpg.UniqueViolationError as e:
            check(f"asyncpg executemany error (transaction={in_transaction})", e.sqlstate, "23505")
        check(
            f"asyncpg executemany rolled back (transaction={in_transaction})",
            await conn.fetchval("SELECT count(*) FROM apg_items WHERE id = 3"),
            0,
        )
    await conn.executemany("INSERT INTO apg_items (id) VALUES ($1)", [(3,), (4,)])
    check("asyncpg executemany", await conn.fetchval("SELECT count(*) FROM apg_items WHERE id > 2"), 2)
    # A row value is a record (binary: its fields with their types), character(n) is
    # blank-padded, as PostgreSQL sends them.
    check(
        "asyncpg record",
        tuple(await conn.fetchval("SELECT ROW(1, 'a b', NULL::int, ROW(2.5, true))")),
        (1, "a b", None, (Decimal("2.5"), True)),
    )
    check("asyncpg char(n)", await conn.fetchval("SELECT 'ab'::char(4)"), "ab  ")
    await conn.close()


def exercise_pipelines():
    """psycopg's pipeline mode, and several statements in one query string: each is one
    transaction, as in PostgreSQL."""
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute("CREATE TABLE py_pipe (id BIGINT PRIMARY KEY, v TEXT)")
    try:
        with conn.pipeline():
            conn.execute("INSERT INTO py_pipe VALUES (%s, %s)", (1, "a"))
            conn.execute("INSERT INTO py_pipe VALUES (%s, %s)", (2, "b"))
            conn.execute("INSERT INTO py_pipe VALUES (%s, %s)", (1, "dup"))
        sys.exit("psycopg: a pipeline accepted a duplicate key")
    except psycopg.errors.UniqueViolation:
        pass
    check("psycopg failed pipeline", conn.execute("SELECT count(*) FROM py_pipe").fetchone(), (0,))
    with conn.pipeline():
        conn.execute("INSERT INTO py_pipe VALUES (%s, %s)", (1, "a"))
        conn.execute("UPDATE py_pipe SET v = %s WHERE id = %s", ("a2", 1))
        seen = conn.execute("SELECT v FROM py_pipe WHERE id = %s", (1,))
    check("psycopg pipeline reads its writes", seen.fetchall(), [("a2",)])
    conn.close()
    conn2 = psycopg2.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    conn2.autocommit = True
    cur = conn2.cursor()
    try:
        cur.execute("INSERT INTO py_pipe VALUES (5, 'e'); INSERT INTO py_pipe VALUES (1, 'dup')")
        sys.exit("psycopg2: a duplicate key was accepted")
    except psycopg2.errors.UniqueViolation:
        pass
    cur.execute("SELECT id FROM py_pipe ORDER BY id")
    check("psycopg2 multi-statement rollback", cur.fetchall(), [(1,)])
    conn2.close()


def exercise_shape_changes():
    """A query psycopg has prepared (from its sixth execution) whose table another
    connection alters: PostgreSQL's 0A000 "cached plan must not change result type", never
    rows of a shape the driver was not told of or a lost connection; after DEALLOCATE ALL
    (which also clears psycopg's cache) the new shape reads. asyncpg prepares again by
    itself."""
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    other = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute("CREATE TABLE py_shape (id BIGINT PRIMARY KEY, n BIGINT)")
    conn.execute("INSERT INTO py_shape VALUES (1, 10)")
    for _ in range(8):
        rows = conn.execute("SELECT * FROM py_shape").fetchall()
    check("psycopg prepared rows", rows, [(1, 10)])
    other.execute("ALTER TABLE py_shape ADD COLUMN note TEXT")
    try:
        conn.execute("SELECT * FROM py_shape").fetchall()
        sys.exit("psycopg: a prepared statement returned rows of a changed shape")
    except psycopg.errors.FeatureNotSupported as e:
        check("psycopg shape change sqlstate", e.sqlstate, "0A000")
    conn.execute("DEALLOCATE ALL")
    check("psycopg after re-preparing", conn.execute("SELECT * FROM py_shape").fetchall(), [(1, 10, None)])
    other.close()
    conn.close()

    async def with_asyncpg():
        conn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        other = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        await conn.execute("CREATE TABLE apg_shape (id BIGINT PRIMARY KEY, n BIGINT)")
        await conn.execute("INSERT INTO apg_shape VALUES (1, 10)")
        check("asyncpg before", [tuple(r) for r in await conn.fetch("SELECT * FROM apg_shape")], [(1, 10)])
        await other.execute("ALTER TABLE apg_shape DROP COLUMN n")
        await other.execute("ALTER TABLE apg_shape ADD COLUMN n TEXT")
        check("asyncpg re-prepares", [tuple(r) for r in await conn.fetch("SELECT * FROM apg_shape")], [(1, None)])
        await other.close()
        await conn.close()

    asyncio.run(with_asyncpg())


class Base(DeclarativeBase):
    pass


class Widget(Base):
    __tablename__ = "sa_widgets"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(50))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=True)
    # create_all makes this a CREATE UNIQUE INDEX in its transaction, after the CREATE TABLE.
    sku: Mapped[str] = mapped_column(sa.String(20), unique=True, index=True, nullable=True)


def exercise_sqlalchemy(driver):
    engine = sa.create_engine(f"postgresql+{driver}://driftdb@{host}:{port}/driftdb")
    # create_all asks whether the table exists first: a second run creates nothing.
    Base.metadata.create_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Widget(id=1, name="a", price=Decimal("1.00"), sku="A-1"), Widget(id=2, name="b")])
        session.commit()
        session.add(Widget(id=3, name="c", sku="A-1"))
        try:
            session.commit()
            sys.exit(f"sqlalchemy {driver}: a duplicate sku was accepted")
        except sa.exc.IntegrityError as e:
            check(f"sqlalchemy {driver} unique index", getattr(e.orig, "pgcode", None) or e.orig.sqlstate, "23505")
            session.rollback()
        session.get(Widget, 2).name = "bee"
        session.commit()
        got = [(w.id, w.name, w.price) for w in session.scalars(sa.select(Widget).order_by(Widget.id))]
        check(f"sqlalchemy {driver} orm", got, [(1, "a", Decimal("1.00")), (2, "bee", None)])
    inspector = sa.inspect(engine)
    check(f"sqlalchemy {driver} has_table", (inspector.has_table("sa_widgets"), inspector.has_table("nope")), (True, False))
    check(f"sqlalchemy {driver} tables", "sa_widgets" in inspector.get_table_names(), True)
    columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("sa_widgets")]
    check(
        f"sqlalchemy {driver} columns",
        columns,
        [
            ("id", "BIGINT", False),
            ("name", "VARCHAR(50)", False),
            ("price", "NUMERIC(10, 2)", True),
            ("sku", "VARCHAR(20)", True),
        ],
    )
    # Keys and indexes, and a whole table loaded by reflection: the answers PostgreSQL 15
    # gives for the same table.
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sa_keys (a BIGINT, b TEXT NOT NULL, c NUMERIC(10,2), d VARCHAR(20) UNIQUE, PRIMARY KEY (a, b))"))
        conn.execute(sa.text("CREATE INDEX sa_keys_c ON sa_keys (c, b)"))
        conn.execute(sa.text("CREATE UNIQUE INDEX sa_keys_cu ON sa_keys (c)"))
    inspector = sa.inspect(engine)
    check(
        f"sqlalchemy {driver} primary key",
        inspector.get_pk_constraint("sa_keys"),
        {"constrained_columns": ["a", "b"], "name": "sa_keys_pkey", "comment": None, "dialect_options": {"postgresql_include": []}},
    )
    check(
        f"sqlalchemy {driver} indexes",
        inspector.get_indexes("sa_keys"),
        [
            {"name": "sa_keys_c", "unique": False, "column_names": ["c", "b"], "dialect_options": {"postgresql_include": []}},
            {"name": "sa_keys_cu", "unique": True, "column_names": ["c"], "dialect_options": {"postgresql_include": []}},
            {"name": "sa_keys_d_key", "unique": True, "column_names": ["d"], "duplicates_constraint": "sa_keys_d_key", "dialect_options": {"postgresql_include": []}},
        ],
    )
    check(
        f"sqlalchemy {driver} unique constraints",
        inspector.get_unique_constraints("sa_keys"),
        [{"column_names": ["d"], "name": "sa_keys_d_key", "comment": None, "dialect_options": {"postgresql_include": [], "postgresql_nulls_not_distinct": False}}],
    )
    check(f"sqlalchemy {driver} foreign keys", inspector.get_foreign_keys("sa_keys"), [])
    table = sa.Table("sa_keys", sa.MetaData(), autoload_with=engine)
    check(
        f"sqlalchemy {driver} autoload",
        ([c.name for c in table.columns], table.primary_key.columns.keys(), sorted(i.name for i in table.indexes)),
        (["a", "b", "c", "d"], ["a", "b"], ["sa_keys_c", "sa_keys_cu"]),
    )
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE sa_widgets"))
        conn.execute(sa.text("DROP TABLE sa_keys"))
    engine.dispose()


class SerialBase(DeclarativeBase):
    pass


class Member(SerialBase):
    """The most ordinary model: SQLAlchemy makes an integer primary key SERIAL."""
    __tablename__ = "sa_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))


class Event(SerialBase):
    __tablename__ = "sa_events"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))


def exercise_serial_keys(driver):
    """SERIAL and identity keys: create_all, keys handed back by INSERT ... RETURNING, and
    reflection, with the answers PostgreSQL 15 gives."""
    engine = sa.create_engine(f"postgresql+{driver}://driftdb@{host}:{port}/driftdb")
    SerialBase.metadata.create_all(engine)
    with Session(engine) as session:
        ann, bob = Member(name="ann"), Member(name="bob")
        session.add_all([ann, bob])
        session.commit()
        check(f"sqlalchemy {driver} serial keys", (ann.id, bob.id), (1, 2))
        event = Event(kind="signup")
        session.add(event)
        session.commit()
        check(f"sqlalchemy {driver} identity key", event.id, 1)
    inspector = sa.inspect(engine)
    check(
        f"sqlalchemy {driver} serial reflection",
        [(c["name"], c.get("default"), c.get("autoincrement"), c.get("identity")) for c in inspector.get_columns("sa_members")],
        [("id", "nextval('sa_members_id_seq'::regclass)", True, None), ("name", None, False, None)],
    )
    check(
        f"sqlalchemy {driver} identity reflection",
        [(c["name"], c.get("default"), c.get("identity")) for c in inspector.get_columns("sa_events")],
        [
            ("id", None, {"always": False, "start": 1, "increment": 1, "minvalue": 1, "maxvalue": 9223372036854775807, "cache": 1, "cycle": False}),
            ("kind", None, None),
        ],
    )
    SerialBase.metadata.drop_all(engine)
    engine.dispose()


class ForeignBase(DeclarativeBase):
    pass


class Author(ForeignBase):
    """The issue's model: an integer key, and posts that reference it."""
    __tablename__ = "sa_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    posts: Mapped[list["Post"]] = relationship(back_populates="author", passive_deletes=True)


class Post(ForeignBase):
    __tablename__ = "sa_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("sa_authors.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(50))
    author: Mapped[Author] = relationship(back_populates="posts")


def exercise_foreign_keys(driver):
    """ForeignKey with ON DELETE CASCADE through the ORM: create_all, relationships, the
    violation as SQLAlchemy's IntegrityError, the cascade, and reflection, with the answers
    PostgreSQL 15 gives."""
    engine = sa.create_engine(f"postgresql+{driver}://driftdb@{host}:{port}/driftdb")
    ForeignBase.metadata.create_all(engine)
    with Session(engine) as session:
        ann = Author(name="ann", posts=[Post(title="first"), Post(title="second")])
        session.add(ann)
        session.commit()
        check(f"sqlalchemy {driver} relationship", sorted(p.title for p in ann.posts), ["first", "second"])
        session.add(Post(author_id=99, title="orphan"))
        try:
            session.commit()
            check(f"sqlalchemy {driver} foreign key violation", "committed", "IntegrityError")
        except sa.exc.IntegrityError as e:
            session.rollback()
            check(f"sqlalchemy {driver} foreign key violation", e.orig.pgcode if hasattr(e.orig, "pgcode") else e.orig.sqlstate, "23503")
        session.delete(ann)
        session.commit()
        check(f"sqlalchemy {driver} cascade", session.scalar(sa.select(sa.func.count()).select_from(Post)), 0)
    inspector = sa.inspect(engine)
    check(
        f"sqlalchemy {driver} foreign key reflection",
        inspector.get_foreign_keys("sa_posts"),
        [{"name": "sa_posts_author_id_fkey", "constrained_columns": ["author_id"], "referred_schema": None, "referred_table": "sa_authors", "referred_columns": ["id"], "options": {"ondelete": "CASCADE"}, "comment": None}],
    )
    ForeignBase.metadata.drop_all(engine)
    engine.dispose()


class SchemaBase(DeclarativeBase):
    pass


class Region(SchemaBase):
    __tablename__ = "sa_regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30))


class Sale(SchemaBase):
    """A model in a schema of its own, referencing one in public."""
    __tablename__ = "sa_sales"
    __table_args__ = {"schema": "sa_shop"}
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("sa_regions.id", ondelete="CASCADE"))
    amount: Mapped[int]
    region: Mapped[Region] = relationship()


class Line(SchemaBase):
    """A model referencing another of its schema."""
    __tablename__ = "sa_lines"
    __table_args__ = {"schema": "sa_shop"}
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("sa_shop.sa_sales.id"))


def exercise_schemas(driver):
    """SQLAlchemy models in a schema (`__table_args__ = {"schema": ...}`): the schema made
    with CreateSchema, create_all, the ORM across schemas, and reflection by schema, with
    the answers PostgreSQL 15 gives."""
    engine = sa.create_engine(f"postgresql+{driver}://driftdb@{host}:{port}/driftdb")
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema("sa_shop", if_not_exists=True))
    SchemaBase.metadata.create_all(engine)
    SchemaBase.metadata.create_all(engine)
    with Session(engine) as session:
        north = Region(id=1, name="north")
        session.add_all([north, Sale(id=1, region=north, amount=10), Sale(id=2, region=north, amount=20)])
        session.commit()
        session.add(Line(id=1, sale_id=2))
        session.commit()
        got = [(s.id, s.region.name) for s in session.scalars(sa.select(Sale).order_by(Sale.id))]
        check(f"sqlalchemy {driver} schema orm", got, [(1, "north"), (2, "north")])
        session.add(Line(id=2, sale_id=9))
        try:
            session.commit()
            check(f"sqlalchemy {driver} schema foreign key", "committed", "IntegrityError")
        except sa.exc.IntegrityError:
            session.rollback()
    inspector = sa.inspect(engine)
    check(f"sqlalchemy {driver} schema names", "sa_shop" in inspector.get_schema_names(), True)
    check(f"sqlalchemy {driver} schema tables", sorted(inspector.get_table_names(schema="sa_shop")), ["sa_lines", "sa_sales"])
    check(f"sqlalchemy {driver} schema has_table", (inspector.has_table("sa_sales", schema="sa_shop"), inspector.has_table("sa_sales")), (True, False))
    check(
        f"sqlalchemy {driver} schema columns",
        [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("sa_sales", schema="sa_shop")],
        [("id", "INTEGER", False), ("region_id", "INTEGER", False), ("amount", "INTEGER", False)],
    )
    check(
        f"sqlalchemy {driver} schema foreign keys",
        inspector.get_foreign_keys("sa_sales", schema="sa_shop") + inspector.get_foreign_keys("sa_lines", schema="sa_shop"),
        [
            {"name": "sa_sales_region_id_fkey", "constrained_columns": ["region_id"], "referred_schema": None, "referred_table": "sa_regions", "referred_columns": ["id"], "options": {"ondelete": "CASCADE"}, "comment": None},
            {"name": "sa_lines_sale_id_fkey", "constrained_columns": ["sale_id"], "referred_schema": "sa_shop", "referred_table": "sa_sales", "referred_columns": ["id"], "options": {}, "comment": None},
        ],
    )
    check(
        f"sqlalchemy {driver} schema primary key",
        inspector.get_pk_constraint("sa_sales", schema="sa_shop")["constrained_columns"],
        ["id"],
    )
    table = sa.Table("sa_sales", sa.MetaData(), autoload_with=engine, schema="sa_shop")
    check(f"sqlalchemy {driver} schema autoload", [c.name for c in table.columns], ["id", "region_id", "amount"])
    SchemaBase.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema("sa_shop"))
    check(f"sqlalchemy {driver} schema dropped", "sa_shop" in sa.inspect(engine).get_schema_names(), False)
    engine.dispose()


def exercise_comments():
    """Table and column comments written by create_all and read back by reflection."""
    engine = sa.create_engine(f"postgresql+psycopg2://driftdb@{host}:{port}/driftdb")
    metadata = sa.MetaData()
    sa.Table(
        "sa_commented",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, comment="the key"),
        sa.Column("note", sa.Text),
        comment="a table",
    )
    metadata.create_all(engine)
    inspector = sa.inspect(engine)
    check("table comment", inspector.get_table_comment("sa_commented"), {"text": "a table"})
    check("column comments", [c.get("comment") for c in inspector.get_columns("sa_commented")], ["the key", None])
    metadata.drop_all(engine)
    engine.dispose()


def exercise_tables_without_keys():
    """A table declared without a primary key (a log, a join table): SQLAlchemy Core writes,
    updates and deletes its rows by predicate, reflection sees no key and no hidden column,
    and CREATE TABLE AS / SELECT INTO copy it."""
    engine = sa.create_engine(f"postgresql+psycopg2://driftdb@{host}:{port}/driftdb")
    metadata = sa.MetaData()
    log = sa.Table(
        "sa_log",
        metadata,
        sa.Column("level", sa.String(10)),
        sa.Column("line", sa.Text),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(log.insert(), [
            {"level": "info", "line": "a"},
            {"level": "info", "line": "a"},
            {"level": "warn", "line": "b"},
        ])
    with engine.begin() as conn:
        conn.execute(log.update().where(log.c.level == "warn").values(line="B"))
        conn.execute(log.delete().where(log.c.line == "a"))
        conn.execute(log.insert().values(level="info", line="c"))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(log).order_by(log.c.line)).all()
        check("rows without a key", [tuple(r) for r in rows], [("warn", "B"), ("info", "c")])
        check("columns of *", list(conn.execute(sa.text("SELECT * FROM sa_log")).keys()), ["level", "line"])
        history = conn.execute(sa.text(
            "SELECT line, __operation FROM sa_log FOR SYSTEM_TIME ALL "
            "WHERE rowid = (SELECT rowid FROM sa_log WHERE level = 'warn') ORDER BY __sequence"
        )).all()
        check("one row's history", [tuple(r) for r in history], [("b", "INSERT"), ("B", "UPDATE")])
    inspector = sa.inspect(engine)
    check("reflected columns", [c["name"] for c in inspector.get_columns("sa_log")], ["level", "line"])
    check("reflected key", inspector.get_pk_constraint("sa_log")["constrained_columns"], [])
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sa_log_copy AS SELECT * FROM sa_log WHERE level = 'info'"))
        conn.execute(sa.text("SELECT level INTO sa_log_levels FROM sa_log"))
    with engine.connect() as conn:
        check("CREATE TABLE AS", conn.execute(sa.text("SELECT line FROM sa_log_copy")).scalar(), "c")
        check("SELECT INTO", conn.execute(sa.text("SELECT count(*) FROM sa_log_levels")).scalar(), 2)
    reflected = sa.Table("sa_log_copy", sa.MetaData(), autoload_with=engine)
    check("reflected copy", [c.name for c in reflected.columns], ["level", "line"])
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE sa_log_copy, sa_log_levels"))
    metadata.drop_all(engine)
    engine.dispose()


ALEMBIC_FIRST = """
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "al_authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "al_books",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("al_authors.id", ondelete="CASCADE")),
        sa.Column("title", sa.String(100), nullable=False),
    )


def downgrade():
    op.drop_table("al_books")
    op.drop_table("al_authors")
"""

ALEMBIC_SECOND = """
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("al_books", sa.Column("isbn", sa.String(13), nullable=True))
    op.create_index("ix_al_books_title", "al_books", ["title"])
    op.create_unique_constraint("uq_al_books_isbn", "al_books", ["isbn"])
    op.create_check_constraint("ck_al_books_title", "al_books", "length(title) > 0")
    op.alter_column("al_authors", "name", type_=sa.String(100))
    op.execute("INSERT INTO al_authors (name) VALUES ('ann')")


def downgrade():
    op.execute("DELETE FROM al_authors")
    op.alter_column("al_authors", "name", type_=sa.String(50))
    op.drop_constraint("ck_al_books_title", "al_books", type_="check")
    op.drop_constraint("uq_al_books_isbn", "al_books", type_="unique")
    op.drop_index("ix_al_books_title", "al_books")
    op.drop_column("al_books", "isbn")
"""


def exercise_alembic():
    """An Alembic migration history (two revisions, each in its transaction as Alembic runs
    them on PostgreSQL) upgraded to head and downgraded to base, with the schema each step
    leaves as PostgreSQL 15 leaves it."""
    import contextlib
    import io
    import os
    import tempfile

    from alembic import command
    from alembic.config import Config

    url = f"postgresql+psycopg2://driftdb@{host}:{port}/driftdb"
    with tempfile.TemporaryDirectory() as root:
        scripts = os.path.join(root, "migrations")
        # Alembic reports what it does on stdout, where this script answers "ok".
        config = Config(os.path.join(root, "alembic.ini"), stdout=io.StringIO())
        config.set_main_option("script_location", scripts)
        config.set_main_option("sqlalchemy.url", url)
        with contextlib.redirect_stdout(io.StringIO()):
            command.init(config, scripts, template="generic")
        for name, text in [("0001_first.py", ALEMBIC_FIRST), ("0002_second.py", ALEMBIC_SECOND)]:
            with open(os.path.join(scripts, "versions", name), "w") as f:
                f.write(text)
        engine = sa.create_engine(url)
        command.upgrade(config, "head")
        inspector = sa.inspect(engine)
        check("alembic head columns", [c["name"] for c in inspector.get_columns("al_books")], ["id", "author_id", "title", "isbn"])
        check("alembic head author name", str(inspector.get_columns("al_authors")[1]["type"]), "VARCHAR(100)")
        check("alembic head unique", [u["name"] for u in inspector.get_unique_constraints("al_books")], ["uq_al_books_isbn"])
        check("alembic head check", [c["name"] for c in inspector.get_check_constraints("al_books")], ["ck_al_books_title"])
        check("alembic head foreign key", [(f["referred_table"], f["options"]) for f in inspector.get_foreign_keys("al_books")], [("al_authors", {"ondelete": "CASCADE"})])
        with engine.connect() as conn:
            check("alembic version", conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar(), "0002")
            check("alembic data", conn.execute(sa.text("SELECT name FROM al_authors")).scalar(), "ann")
        command.downgrade(config, "0001")
        inspector = sa.inspect(engine)
        check("alembic downgraded columns", [c["name"] for c in inspector.get_columns("al_books")], ["id", "author_id", "title"])
        check("alembic downgraded check", inspector.get_check_constraints("al_books"), [])
        command.downgrade(config, "base")
        check("alembic base", sorted(n for n in sa.inspect(engine).get_table_names() if n.startswith("al_")), [])
        with engine.connect() as conn:
            check("alembic version at base", conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar(), 0)
            conn.execute(sa.text("DROP TABLE alembic_version"))
            conn.commit()
        engine.dispose()


class AsyncBase(DeclarativeBase):
    pass


class Gadget(AsyncBase):
    __tablename__ = "sa_gadgets"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2), nullable=True)


def exercise_sqlalchemy_asyncio():
    """SQLAlchemy's asyncio engine on asyncpg: create_all, the ORM and reflection, with the
    answers PostgreSQL 15 gives (reflection binds `$n::OID` parameters in binary)."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    async def run():
        engine = create_async_engine(f"postgresql+asyncpg://driftdb@{host}:{port}/driftdb")
        async with engine.begin() as conn:
            await conn.run_sync(AsyncBase.metadata.create_all)
        async with AsyncSession(engine) as session:
            session.add_all([Gadget(id=1, name="a", price=Decimal("1.50")), Gadget(id=2, name="b")])
            await session.commit()
            (await session.get(Gadget, 1)).price = Decimal("2.00")
            await session.commit()
            rows = (await session.execute(sa.select(Gadget).where(Gadget.id.in_([1, 2])).order_by(Gadget.id))).scalars()
            check("sqlalchemy asyncpg orm", [(g.id, g.name, g.price) for g in rows], [(1, "a", Decimal("2.00")), (2, "b", None)])

        def reflect(c):
            inspector = sa.inspect(c)
            table = sa.Table("sa_gadgets", sa.MetaData(), autoload_with=c)
            return (
                [(col["name"], str(col["type"]), col["nullable"]) for col in inspector.get_columns("sa_gadgets")],
                inspector.get_pk_constraint("sa_gadgets"),
                inspector.get_indexes("sa_gadgets"),
                [col.name for col in table.columns],
            )

        async with engine.connect() as conn:
            check(
                "sqlalchemy asyncpg reflection",
                await conn.run_sync(reflect),
                (
                    [("id", "BIGINT", False), ("name", "VARCHAR(50)", False), ("price", "NUMERIC(10, 2)", True)],
                    {"constrained_columns": ["id"], "name": "sa_gadgets_pkey", "comment": None, "dialect_options": {"postgresql_include": []}},
                    [{"name": "ix_sa_gadgets_name", "unique": False, "column_names": ["name"], "dialect_options": {"postgresql_include": []}}],
                    ["id", "name", "price"],
                ),
            )
        await engine.dispose()

    asyncio.run(run())


def exercise_arrays():
    """Arrays are sent as PostgreSQL arrays of their elements' type, so drivers hand back
    lists: in text and binary formats (psycopg 3) and in psycopg2; the catalogs' vectors
    as int2vector, space-separated."""
    query = (
        "SELECT ARRAY[1, 2], ARRAY['x y', NULL, 'z'], ARRAY[[1, 2], [3, 4]], ARRAY[1.5, 2.25],"
        " ARRAY[true, false], array_agg(v ORDER BY v DESC) FROM (VALUES (1), (3), (2)) AS t (v)"
    )
    expected = [([1, 2], ["x y", None, "z"], [[1, 2], [3, 4]], [Decimal("1.5"), Decimal("2.25")], [True, False], [3, 2, 1])]
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    check("psycopg arrays text", conn.execute(query).fetchall(), expected)
    check("psycopg arrays binary", conn.cursor(binary=True).execute(query).fetchall(), expected)
    conn.execute("CREATE TABLE py_vectors (a INT, b INT, PRIMARY KEY (b, a))")
    vectors = "SELECT indkey FROM pg_index WHERE indrelid = 'py_vectors'::regclass"
    check("psycopg int2vector", conn.execute(vectors).fetchall(), [("2 1",)])
    conn.close()
    conn2 = psycopg2.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    cur = conn2.cursor()
    cur.execute(query)
    check("psycopg2 arrays", cur.fetchall(), expected)
    conn2.close()
    # Lists as parameters: psycopg types int lists and leaves str lists to the server,
    # which infers an array for `= ANY($1)`, as PostgreSQL does.
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute("CREATE TABLE py_tags (id BIGINT PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO py_tags VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    for prepare in (False, True):
        check(
            f"psycopg array parameters (prepare={prepare})",
            [
                conn.execute("SELECT id FROM py_tags WHERE id = ANY(%s) ORDER BY id", ([1, 3],), prepare=prepare).fetchall(),
                conn.execute("SELECT id FROM py_tags WHERE name = ANY(%s) ORDER BY id", (["b", "c"],), prepare=prepare).fetchall(),
                conn.execute("SELECT %s::text[]", (['x "y"', None, "NULL", "a\\b"],), prepare=prepare).fetchall(),
            ],
            [[(1,), (3,)], [(2,), (3,)], [(['x "y"', None, "NULL", "a\\b"],)]],
        )
    conn.close()

    async def run():
        # asyncpg knows only text[] and oid[] by itself: it looks every other array type
        # up in pg_type with its introspection query (an oid[] parameter, recursive CTEs)
        # before it decodes a result or encodes a parameter, all in binary.
        conn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        check("asyncpg arrays", [tuple(await conn.fetchrow(query))], expected)
        check("asyncpg int array parameter", await conn.fetchval("SELECT $1::bigint[]", [1, None, 3]), [1, None, 3])
        check("asyncpg 2-d array parameter", await conn.fetchval("SELECT $1::int[][]", [[1, 2], [3, 4]]), [[1, 2], [3, 4]])
        check(
            "asyncpg = ANY(array parameter)",
            [r["id"] for r in await conn.fetch("SELECT id FROM py_tags WHERE id = ANY($1) ORDER BY id", [2, 3])],
            [2, 3],
        )
        check(
            "asyncpg date and boolean array parameters",
            tuple(await conn.fetchrow("SELECT $1::date[], $2::boolean[]", [datetime.date(2025, 1, 2)], [True, False])),
            ([datetime.date(2025, 1, 2)], [True, False]),
        )
        await conn.close()

    asyncio.run(run())


def exercise_array_columns():
    """Array columns (text[], int[], uuid[], numeric[]) written and read by every driver, with
    its own parameters: psycopg 3 (typed, binary), psycopg2 (ARRAY[...] literals), asyncpg
    (binary, element types from pg_type); and an SQLAlchemy ARRAY model, reflected."""
    dsn = dict(host=host, port=port, user="driftdb", dbname="driftdb")
    conn = psycopg.connect(**dsn, autocommit=True)
    conn.execute("CREATE TABLE py_arr (id INT PRIMARY KEY, tags TEXT[], n INT[], u UUID[], d NUMERIC(6,2)[])")
    conn.execute(
        "INSERT INTO py_arr VALUES (%s, %s, %s, %s, %s)",
        (1, ["a", "b c", None], [1, 2], [uuid.UUID(int=1)], [Decimal("1.5")]),
    )
    conn2 = psycopg2.connect(**dsn)
    conn2.autocommit = True
    cur = conn2.cursor()
    cur.execute("INSERT INTO py_arr (id, tags, n) VALUES (%s, %s, %s)", (2, ["x"], [3, None]))

    async def insert():
        c = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        await c.execute(
            "INSERT INTO py_arr (id, tags, n, u) VALUES ($1, $2, $3, $4)", 3, ["q"], [7, 8], [uuid.UUID(int=2)]
        )
        rows = [tuple(r) for r in await c.fetch("SELECT * FROM py_arr ORDER BY id")]
        await c.close()
        return rows

    expected = [
        (1, ["a", "b c", None], [1, 2], [uuid.UUID(int=1)], [Decimal("1.50")]),
        (2, ["x"], [3, None], None, None),
        (3, ["q"], [7, 8], [uuid.UUID(int=2)], None),
    ]
    check("asyncpg array columns", asyncio.run(insert()), expected)
    check("psycopg array columns", conn.execute("SELECT * FROM py_arr ORDER BY id").fetchall(), expected)
    check(
        "psycopg array column binary",
        conn.cursor(binary=True).execute("SELECT * FROM py_arr ORDER BY id").fetchall(),
        expected,
    )
    cur.execute("SELECT id FROM py_arr WHERE %s = ANY(tags)", ("b c",))
    check("psycopg2 ANY over an array column", cur.fetchall(), [(1,)])
    conn2.close()
    conn.close()

    class Base(DeclarativeBase):
        pass

    class Article(Base):
        __tablename__ = "py_articles"
        id: Mapped[int] = mapped_column(primary_key=True)
        tags = mapped_column(postgresql.ARRAY(sa.String(20)))
        scores = mapped_column(postgresql.ARRAY(sa.Integer), nullable=False, server_default="{}")

    engine = sa.create_engine(f"postgresql+psycopg://driftdb@{host}:{port}/driftdb")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Article(id=1, tags=["a", "b"], scores=[1]), Article(id=2, tags=[])])
        session.commit()
        found = session.scalars(sa.select(Article).where(Article.tags.contains(["b"]))).all()
        check("sqlalchemy ARRAY contains", [(a.id, a.tags, a.scores) for a in found], [(1, ["a", "b"], [1])])
        other = session.get(Article, 2)
        check("sqlalchemy ARRAY server default", (other.tags, other.scores), ([], []))
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("py_articles")}
    check(
        "sqlalchemy reflects ARRAY columns",
        (type(columns["tags"]).__name__, str(columns["tags"].item_type), str(columns["scores"].item_type)),
        ("ARRAY", "VARCHAR(20)", "INTEGER"),
    )
    engine.dispose()


def exercise_server_version():
    """The version every client is told at start-up is the PostgreSQL DriftDB follows (a
    newer one makes pg_dump refuse the server)."""
    conn = psycopg2.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    check("server version", conn.server_version, 150000)
    conn.close()


def exercise_savepoints():
    """ReadyForQuery reports the transaction as the server holds it: back to "in a
    transaction" after ROLLBACK TO SAVEPOINT recovers from an error, over both protocols."""
    from psycopg.pq import TransactionStatus

    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    cur = conn.cursor()
    for prepare in (False, True):
        cur.execute("SELECT 1")
        cur.execute("SAVEPOINT s")
        try:
            cur.execute("SELECT 1 / 0", prepare=prepare)
            sys.exit("division by zero succeeded")
        except psycopg.errors.DivisionByZero:
            pass
        check(f"failed status (prepare={prepare})", conn.info.transaction_status, TransactionStatus.INERROR)
        cur.execute("ROLLBACK TO SAVEPOINT s", prepare=prepare)
        check(f"recovered status (prepare={prepare})", conn.info.transaction_status, TransactionStatus.INTRANS)
        cur.execute("SELECT 2", prepare=prepare)
        check(f"after recovery (prepare={prepare})", cur.fetchall(), [(2,)])
        conn.rollback()
        check(f"idle (prepare={prepare})", conn.info.transaction_status, TransactionStatus.IDLE)
    # psycopg's nested transaction blocks are savepoints.
    conn.autocommit = True
    cur.execute("CREATE TABLE sp_items (id INT PRIMARY KEY)")
    with conn.transaction():
        cur.execute("INSERT INTO sp_items VALUES (1)")
        try:
            with conn.transaction():
                cur.execute("INSERT INTO sp_items VALUES (1)")
        except psycopg.errors.UniqueViolation:
            pass
        cur.execute("INSERT INTO sp_items VALUES (2)")
    cur.execute("SELECT id FROM sp_items ORDER BY id")
    check("nested transactions", cur.fetchall(), [(1,), (2,)])
    conn.close()


def exercise_json_and_uuid():
    """jsonb, json and uuid columns (and JSON operator results) are sent with their own
    types, so drivers hand back Python objects: in text and binary formats (psycopg 3), in
    psycopg2, and in asyncpg's binary protocol."""
    import json

    u = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute("CREATE TABLE py_events (id UUID PRIMARY KEY, payload JSONB, raw JSON)")
    conn.execute(
        "INSERT INTO py_events VALUES (%s, %s, %s)",
        (str(u), '{"b": 1, "a": {"k": [1, 2]}}', '{"z":  1}'),
    )
    query = "SELECT id, payload, raw, payload -> 'a', payload ->> 'b' FROM py_events"
    expected = [(u, {"a": {"k": [1, 2]}, "b": 1}, {"z": 1}, {"k": [1, 2]}, "1")]
    check("psycopg json text", conn.execute(query).fetchall(), expected)
    check("psycopg json binary", conn.cursor(binary=True).execute(query).fetchall(), expected)
    # Server-side parameters beside JSON casts, varchar(n) and intervals, described and
    # bound: a factor of an interval is a float8, as PostgreSQL infers it.
    for prepare in (False, True):
        check(
            f"psycopg parameters (prepare={prepare})",
            conn.execute(
                "SELECT %s::jsonb -> 'a', %s::varchar(3), interval '1 hour' * %s, %s * interval '1 day'",
                ('{"a": [1]}', "abcdef", 2, 1.5),
                prepare=prepare,
            ).fetchall(),
            [([1], "abc", datetime.timedelta(hours=2), datetime.timedelta(days=1, hours=12))],
        )
    check(
        "psycopg jsonb by containment",
        conn.execute("SELECT id FROM py_events WHERE payload @> %s", ('{"a": {"k": [2]}}',)).fetchall(),
        [(u,)],
    )
    # JSON's set-returning functions give jsonb rows, in the SELECT list and in FROM.
    check(
        "psycopg jsonb_array_elements",
        conn.execute("SELECT jsonb_array_elements(payload -> 'a' -> 'k') FROM py_events").fetchall(),
        [(1,), (2,)],
    )
    check(
        "psycopg jsonb_each",
        conn.execute("SELECT key, value FROM jsonb_each(%s)", ('{"x": [1], "y": {"z": null}}',)).fetchall(),
        [("x", [1]), ("y", {"z": None})],
    )
    conn.close()
    conn2 = psycopg2.connect(host=host, port=port, user="driftdb", dbname="driftdb")
    cur = conn2.cursor()
    cur.execute("SELECT payload, payload #>> '{a,k,1}' FROM py_events")
    check("psycopg2 jsonb", cur.fetchall(), [({"a": {"k": [1, 2]}, "b": 1}, "2")])
    conn2.close()

    async def run():
        conn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        row = await conn.fetchrow("SELECT id, payload FROM py_events")
        check("asyncpg uuid", row["id"], u)
        # A parameter compared with (or stored in) a uuid column is described as a uuid, so
        # asyncpg takes a UUID object for it.
        check("asyncpg uuid parameter", await conn.fetchval("SELECT count(*) FROM py_events WHERE id = $1", u), 1)
        check("asyncpg jsonb", json.loads(row["payload"]), {"a": {"k": [1, 2]}, "b": 1})
        await conn.close()

    asyncio.run(run())


def exercise_network():
    """inet and cidr columns are sent with their own types, so drivers hand back
    ipaddress objects: psycopg 3 in text and binary formats (and its ipaddress parameters,
    sent as inet and cidr), asyncpg through its binary codec."""
    import ipaddress

    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute("CREATE TABLE py_hosts (addr INET PRIMARY KEY, net CIDR)")
    conn.execute(
        "INSERT INTO py_hosts VALUES (%s, %s), (%s, %s)",
        (
            ipaddress.ip_interface("10.0.0.9/8"),
            ipaddress.ip_network("10.0.0.0/8"),
            ipaddress.ip_address("10.0.0.10"),
            ipaddress.ip_network("2001:db8::/32"),
        ),
    )
    query = "SELECT addr, net FROM py_hosts ORDER BY addr"
    expected = [
        (ipaddress.ip_interface("10.0.0.9/8"), ipaddress.ip_network("10.0.0.0/8")),
        (ipaddress.ip_address("10.0.0.10"), ipaddress.ip_network("2001:db8::/32")),
    ]
    check("psycopg inet text", conn.execute(query).fetchall(), expected)
    check("psycopg inet binary", conn.cursor(binary=True).execute(query).fetchall(), expected)
    for prepare in (False, True):
        check(
            f"psycopg inet parameters (prepare={prepare})",
            conn.execute(
                "SELECT addr FROM py_hosts WHERE addr << %s AND addr <> %s",
                (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_address("10.0.0.9")),
                prepare=prepare,
            ).fetchall(),
            [(ipaddress.ip_address("10.0.0.10"),)],
        )
    conn.close()

    async def run():
        conn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        rows = await conn.fetch("SELECT addr, net FROM py_hosts WHERE net <<= $1::cidr ORDER BY addr", "10.0.0.0/8")
        check(
            "asyncpg inet",
            [(r["addr"], r["net"]) for r in rows],
            [(ipaddress.ip_interface("10.0.0.9/8"), ipaddress.ip_network("10.0.0.0/8"))],
        )
        # Parameters beside addresses are described as addresses: asyncpg sends ipaddress
        # objects in binary.
        await conn.execute("INSERT INTO py_hosts VALUES ($1, $2)", ipaddress.ip_address("::1"), ipaddress.ip_network("::/0"))
        check(
            "asyncpg inet parameters",
            await conn.fetchval("SELECT addr FROM py_hosts WHERE addr = $1 AND net = $2", ipaddress.ip_address("::1"), ipaddress.ip_network("::/0")),
            ipaddress.ip_address("::1"),
        )
        await conn.close()

    asyncio.run(run())


def exercise_binary_copy():
    """COPY in PostgreSQL's binary format, both ways: psycopg 3's binary copy with the
    column types set, and asyncpg's copy_records_to_table (a binary COPY FROM) and
    copy_from_query (a binary COPY TO), with every common type, NULLs included."""
    conn = psycopg.connect(host=host, port=port, user="driftdb", dbname="driftdb", autocommit=True)
    conn.execute(
        "CREATE TABLE py_bin (id INT PRIMARY KEY, n BIGINT, r REAL, d DOUBLE PRECISION, ok BOOLEAN, "
        "name TEXT, amount NUMERIC(10,2), day DATE, at TIMESTAMPTZ, plain TIMESTAMP, gap INTERVAL, "
        "key UUID, raw BYTEA, doc JSONB, tags TEXT[], small SMALLINT)"
    )
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    at = datetime.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=datetime.timezone.utc)
    plain = datetime.datetime(2025, 3, 4, 5, 6, 7)
    rows = [
        (1, 2**40, 1.5, 0.1, True, "it's", Decimal("12.34"), datetime.date(2025, 3, 4), at, plain,
         datetime.timedelta(days=2, seconds=5), key, b"\x00\xff", {"a": [1, 2]}, ["x", "y z"], -7),
        (2, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None),
    ]
    types = ["int4", "int8", "float4", "float8", "bool", "text", "numeric", "date", "timestamptz",
             "timestamp", "interval", "uuid", "bytea", "jsonb", "text[]", "int2"]
    cur = conn.cursor()
    with cur.copy("COPY py_bin FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    check("psycopg binary COPY FROM count", cur.rowcount, 2)
    got = conn.execute("SELECT id, n, r, d, ok, name, amount, day, at, plain, gap, key, raw, doc, tags, small "
                       "FROM py_bin ORDER BY id").fetchall()
    check("psycopg binary COPY FROM rows", got, rows)
    with cur.copy("COPY (SELECT * FROM py_bin ORDER BY id) TO STDOUT (FORMAT BINARY)") as copy:
        copy.set_types(types)
        check("psycopg binary COPY TO", list(copy.rows()), rows)
    check("psycopg binary COPY TO count", cur.rowcount, 2)
    # Text options mean nothing to binary data; a stream that is not binary COPY is refused
    # with nothing written.
    try:
        conn.execute("COPY py_bin FROM STDIN (FORMAT BINARY, DELIMITER ',')")
        sys.exit("DELIMITER in BINARY mode accepted")
    except psycopg.errors.SyntaxError:
        pass
    try:
        with cur.copy("COPY py_bin FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"3\tnot binary\n")
        sys.exit("text data accepted as binary")
    except psycopg.errors.BadCopyFileFormat:
        pass
    check("bad binary COPY wrote nothing", conn.execute("SELECT count(*) FROM py_bin").fetchone(), (2,))

    async def with_asyncpg():
        aconn = await asyncpg.connect(host=host, port=port, user="driftdb", database="driftdb")
        records = [(10 + i, i * 1000, float(i) / 4, f"row {i}", Decimal(i) / 100, at) for i in range(50)]
        await aconn.execute("CREATE TABLE apg_bin (id INT PRIMARY KEY, n BIGINT, d DOUBLE PRECISION, "
                            "name TEXT, amount NUMERIC(10,2), at TIMESTAMPTZ)")
        status = await aconn.copy_records_to_table("apg_bin", records=records)
        check("asyncpg copy_records_to_table", status, "COPY 50")
        got = await aconn.fetch("SELECT id, n, d, name, amount, at FROM apg_bin ORDER BY id")
        check("asyncpg copied rows", [tuple(r) for r in got], records)
        import io
        out = io.BytesIO()
        status = await aconn.copy_from_query("SELECT id FROM apg_bin WHERE id < 13 ORDER BY id", output=out, format="binary")
        check("asyncpg binary copy_from_query", status, "COPY 3")
        check("asyncpg binary copy_from_query signature", out.getvalue()[:11], b"PGCOPY\n\xff\r\n\x00")
        await aconn.close()

    asyncio.run(with_asyncpg())


exercise(psycopg2, "py2_items")
exercise_savepoints()
exercise(psycopg, "py3_items")
asyncio.run(exercise_asyncpg())
exercise_pipelines()
exercise_shape_changes()
exercise_json_and_uuid()
exercise_network()
exercise_arrays()
exercise_array_columns()
exercise_sqlalchemy("psycopg2")
exercise_sqlalchemy("psycopg")
exercise_serial_keys("psycopg2")
exercise_serial_keys("psycopg")
exercise_foreign_keys("psycopg2")
exercise_foreign_keys("psycopg")
exercise_schemas("psycopg2")
exercise_schemas("psycopg")
exercise_alembic()
exercise_comments()
exercise_tables_without_keys()
exercise_server_version()
exercise_sqlalchemy_asyncio()
exercise_binary_copy()
print("ok")

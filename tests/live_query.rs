//! Live: running checked statements (CRUD, fetch variants, exact parameter
//! declarations, type round-trips, drift as a typed decode error). Needs
//! `QUARRY_TEST_URL`; see `tests/live_common/mod.rs`.

mod live_common;

use live_common::*;
use quarry::__private::{Row, bind, column, nullable_column};
use quarry::kind;
use quarry::types::{DateTime, Decimal, FixedOffset, NaiveDate, NaiveDateTime, Uuid};
use quarry::{Error, Query, StatementKind as K};

#[tokio::test]
async fn crud_and_fetch_variants() {
    let Some(url) = url("crud_and_fetch_variants") else {
        return;
    };
    let mut conn = connect(&url).await;
    raw(
        &mut conn,
        "CREATE TABLE #users (id int IDENTITY PRIMARY KEY, username varchar(20) NOT NULL UNIQUE, fullname nvarchar(50) NULL)",
    )
    .await;

    let insert = statement(
        "live::insert_user",
        "INSERT INTO #users (username, fullname) VALUES (@P1, @P2)".into(),
        "@P1 varchar(20), @P2 nvarchar(50)",
        &[0, 1],
        &[],
        K::Insert,
    );
    for (u, f) in [("alice", "Alice Ä"), ("bob", "Bob"), ("carol", "Carol 🚀")] {
        let n = exec(insert, vec![text(u), text(f)])
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    static COLS: [quarry::ResultColumn; 2] = [
        col("id", "int", false),
        col("fullname", "nvarchar(50)", true),
    ];
    let by_prefix = statement(
        "live::users_by_prefix",
        "SELECT id, fullname FROM #users WHERE username LIKE @P1 ORDER BY id".into(),
        "@P1 varchar(20)",
        &[0],
        &COLS,
        K::Select,
    );
    let all = id_names(by_prefix, vec![text("%")])
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].1.as_deref(), Some("Carol 🚀"));
    assert_eq!(all[0].1.as_deref(), Some("Alice Ä"));

    let one = id_names(by_prefix, vec![text("b%")])
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one.1.as_deref(), Some("Bob"));
    let none = id_names(by_prefix, vec![text("zz%")])
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    assert!(none.is_none());
    assert_err!(
        id_names(by_prefix, vec![text("zz%")])
            .fetch_one(&mut conn)
            .await,
        Error::RowNotFound { .. }
    );
    // fetch_optional with several rows returns the first and leaves the
    // connection usable.
    let first = id_names(by_prefix, vec![text("%")])
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    assert_eq!(first.map(|r| r.0), Some(all[0].0));

    let update = statement(
        "live::rename",
        "UPDATE #users SET fullname = @P1 WHERE username = @P2".into(),
        "@P1 nvarchar(50), @P2 varchar(20)",
        &[0, 1],
        &[],
        K::Update,
    );
    assert_eq!(
        exec(update, vec![text("Robert"), text("bob")])
            .execute(&mut conn)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        exec(update, vec![text("Nobody"), text("nobody")])
            .execute(&mut conn)
            .await
            .unwrap(),
        0
    );

    let delete = statement(
        "live::delete_like",
        "DELETE FROM #users WHERE username LIKE @P1".into(),
        "@P1 varchar(20)",
        &[0],
        &[],
        K::Delete,
    );
    assert_eq!(
        exec(delete, vec![text("%o%")])
            .execute(&mut conn)
            .await
            .unwrap(),
        2
    );
    let left = id_names(by_prefix, vec![text("%")])
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);

    // A NULL bound through an Option parameter.
    let no_name: Option<&str> = None;
    let n = exec(
        insert,
        vec![text("dave"), bind(&no_name, kind::Nullable(kind::Text))],
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(n, 1);
    let dave = id_names(by_prefix, vec![text("dave")])
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(dave.1, None);
}

#[tokio::test]
async fn the_server_sees_the_exact_declarations() {
    let Some(url) = url("the_server_sees_the_exact_declarations") else {
        return;
    };
    let mut conn = connect(&url).await;
    let marker = unique("decls");
    static COLS: [quarry::ResultColumn; 1] = [col("n", "int", false)];
    let st = statement(
        "live::declared",
        format!(
            "/* quarry:{marker} */ SELECT CAST(SQL_VARIANT_PROPERTY(@P1, 'BaseType') AS varchar(20)) AS t, @P2 AS n"
        ),
        "@P1 varchar(20), @P2 int",
        &[0, 1],
        &COLS,
        K::Select,
    );
    // The parameter's type inside the statement is what was declared, not
    // tiberius's nvarchar(4000).
    let q: Query<'_, String> = Query::new(st, vec![text("abc"), int(&7)], |row: &Row, st| {
        column::<kind::Text, String>(row, 0, st)
    });
    assert_eq!(q.fetch_one(&mut conn).await.unwrap(), "varchar");

    // The cached plan carries the declaration list and the text verbatim.
    let q: Query<'_, String> = Query::new(st, vec![text("xyz"), int(&8)], |row: &Row, st| {
        column::<kind::Text, String>(row, 0, st)
    });
    q.fetch_one(&mut conn).await.unwrap();
    let rows = conn
        .query_raw(&format!(
            "SELECT t.text, cp.usecounts FROM sys.dm_exec_cached_plans cp \
             CROSS APPLY sys.dm_exec_sql_text(cp.plan_handle) t \
             WHERE t.text LIKE N'%quarry:{marker} */%' AND t.text NOT LIKE N'%dm_exec_cached_plans%'"
        ))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        1,
        "one plan for two calls: the text is byte-identical"
    );
    let cached: Option<&str> = rows[0].try_get(0).unwrap();
    let cached = cached.unwrap_or_default();
    assert!(
        cached.starts_with("(@P1 varchar(20), @P2 int)"),
        "cached text: {cached}"
    );
    let uses: Option<i32> = rows[0].try_get(1).unwrap();
    assert!(uses.unwrap_or(0) >= 2, "plan reused: {uses:?}");
}

#[tokio::test]
async fn over_long_arguments_are_refused_before_sending() {
    let Some(url) = url("over_long_arguments_are_refused_before_sending") else {
        return;
    };
    let mut conn = connect(&url).await;
    raw(&mut conn, "CREATE TABLE #codes (code varchar(5) NOT NULL)").await;
    let insert = statement(
        "live::insert_code",
        "INSERT INTO #codes (code) VALUES (@P1)".into(),
        "@P1 varchar(5)",
        &[0],
        &[],
        K::Insert,
    );
    assert_err!(
        exec(insert, vec![text("toolong")]).execute(&mut conn).await,
        Error::ParamTooLong {
            param: 1,
            length: 7,
            ..
        }
    );
    assert_eq!(
        scalar(&mut conn, "SELECT COUNT(*) FROM #codes").await,
        0,
        "nothing was truncated and stored"
    );
    exec(insert, vec![text("ok")])
        .execute(&mut conn)
        .await
        .unwrap();
}

#[derive(Debug, PartialEq)]
struct AllTypes {
    bit: bool,
    tiny: u8,
    small: i16,
    big: i64,
    dec: Decimal,
    money: Decimal,
    real: f32,
    float: f64,
    date: NaiveDate,
    dt2: NaiveDateTime,
    dto: DateTime<FixedOffset>,
    guid: Uuid,
    bin: Vec<u8>,
    ntext: String,
    vtext: Option<String>,
}

#[tokio::test]
async fn types_round_trip_through_declared_parameters() {
    let Some(url) = url("types_round_trip_through_declared_parameters") else {
        return;
    };
    let mut conn = connect(&url).await;
    raw(
        &mut conn,
        "CREATE TABLE #t (bit bit NOT NULL, tiny tinyint NOT NULL, small smallint NOT NULL, big bigint NOT NULL, \
         dec decimal(18,4) NOT NULL, money money NOT NULL, real real NOT NULL, float float NOT NULL, date date NOT NULL, \
         dt2 datetime2(7) NOT NULL, dto datetimeoffset NOT NULL, guid uniqueidentifier NOT NULL, \
         bin varbinary(16) NOT NULL, ntext nvarchar(40) NOT NULL, vtext varchar(10) NULL)",
    )
    .await;
    let v = AllTypes {
        bit: true,
        tiny: 250,
        small: -12_000,
        big: 9_000_000_000_123,
        dec: Decimal::new(-12_345_678, 4),
        money: Decimal::new(1999, 2),
        real: 1.5,
        float: -2.25e100,
        date: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        dt2: NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 123_456_700)
            .unwrap(),
        dto: DateTime::parse_from_rfc3339("2030-01-02T03:04:05+05:30").unwrap(),
        guid: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        bin: vec![0, 1, 2, 254, 255],
        ntext: "Grüße 🚀 日本".into(),
        vtext: None,
    };
    let insert = statement(
        "live::insert_all_types",
        "INSERT INTO #t VALUES (@P1,@P2,@P3,@P4,@P5,@P6,@P7,@P8,@P9,@P10,@P11,@P12,@P13,@P14,@P15)"
            .into(),
        "@P1 bit, @P2 tinyint, @P3 smallint, @P4 bigint, @P5 decimal(18,4), @P6 money, @P7 real, @P8 float, \
         @P9 date, @P10 datetime2(7), @P11 datetimeoffset, @P12 uniqueidentifier, @P13 varbinary(16), \
         @P14 nvarchar(40), @P15 varchar(10)",
        &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        &[],
        K::Insert,
    );
    let args = vec![
        bind(&v.bit, kind::Bit),
        bind(&v.tiny, kind::TinyInt),
        bind(&v.small, kind::SmallInt),
        bind(&v.big, kind::BigInt),
        bind(&v.dec, kind::Decimal),
        bind(&v.money, kind::Decimal),
        bind(&v.real, kind::Real),
        bind(&v.float, kind::Float),
        bind(&v.date, kind::Date),
        bind(&v.dt2, kind::DateTime),
        bind(&v.dto, kind::DateTimeOffset),
        bind(&v.guid, kind::Guid),
        bind(v.bin.as_slice(), kind::Binary),
        bind(v.ntext.as_str(), kind::Text),
        bind(&v.vtext, kind::Nullable(kind::Text)),
    ];
    assert_eq!(exec(insert, args).execute(&mut conn).await.unwrap(), 1);

    static COLS: [quarry::ResultColumn; 15] = [
        col("bit", "bit", false),
        col("tiny", "tinyint", false),
        col("small", "smallint", false),
        col("big", "bigint", false),
        col("dec", "decimal(18,4)", false),
        col("money", "money", false),
        col("real", "real", false),
        col("float", "float", false),
        col("date", "date", false),
        col("dt2", "datetime2(7)", false),
        col("dto", "datetimeoffset", false),
        col("guid", "uniqueidentifier", false),
        col("bin", "varbinary(16)", false),
        col("ntext", "nvarchar(40)", false),
        col("vtext", "varchar(10)", true),
    ];
    let select = statement(
        "live::select_all_types",
        "SELECT * FROM #t".into(),
        "",
        &[],
        &COLS,
        K::Select,
    );
    let got = Query::new(select, vec![], |row: &Row, st| {
        Ok(AllTypes {
            bit: column::<kind::Bit, _>(row, 0, st)?,
            tiny: column::<kind::TinyInt, _>(row, 1, st)?,
            small: column::<kind::SmallInt, _>(row, 2, st)?,
            big: column::<kind::BigInt, _>(row, 3, st)?,
            dec: column::<kind::Decimal, _>(row, 4, st)?,
            money: column::<kind::Decimal, _>(row, 5, st)?,
            real: column::<kind::Real, _>(row, 6, st)?,
            float: column::<kind::Float, _>(row, 7, st)?,
            date: column::<kind::Date, _>(row, 8, st)?,
            dt2: column::<kind::DateTime, _>(row, 9, st)?,
            dto: column::<kind::DateTimeOffset, _>(row, 10, st)?,
            guid: column::<kind::Guid, _>(row, 11, st)?,
            bin: column::<kind::Binary, _>(row, 12, st)?,
            ntext: column::<kind::Text, _>(row, 13, st)?,
            vtext: nullable_column::<kind::Text, _>(row, 14, st)?,
        })
    })
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(got, v);
}

#[tokio::test]
async fn drift_is_a_typed_decode_error() {
    let Some(url) = url("drift_is_a_typed_decode_error") else {
        return;
    };
    let mut conn = connect(&url).await;
    raw(&mut conn, "CREATE TABLE #drift (id int NULL, big bigint NOT NULL); INSERT INTO #drift VALUES (NULL, 5)").await;
    // The "snapshot" says id is NOT NULL; the live table says otherwise.
    static COLS: [quarry::ResultColumn; 1] = [col("id", "int", false)];
    let st = statement(
        "live::drift_null",
        "SELECT id FROM #drift".into(),
        "",
        &[],
        &COLS,
        K::Select,
    );
    let e = assert_err!(
        ints(st, vec![]).fetch_all(&mut conn).await,
        Error::Decode { .. }
    );
    let text = e.to_string();
    assert!(
        text.contains("live::drift_null")
            && text.contains("`id`")
            && text.contains("int NOT NULL")
            && text.contains("NULL"),
        "{text}"
    );
    // A changed type: the snapshot says int, the server sends bigint.
    static COLS2: [quarry::ResultColumn; 1] = [col("big", "int", false)];
    let st = statement(
        "live::drift_type",
        "SELECT big FROM #drift".into(),
        "",
        &[],
        &COLS2,
        K::Select,
    );
    let e = assert_err!(
        ints(st, vec![]).fetch_all(&mut conn).await,
        Error::Decode { .. }
    );
    assert!(e.to_string().contains("bigint"), "{e}");
    // The connection is still usable after a decode error.
    assert_eq!(scalar(&mut conn, "SELECT 42").await, 42);
}

#[tokio::test]
async fn server_errors_carry_the_statement() {
    let Some(url) = url("server_errors_carry_the_statement") else {
        return;
    };
    let mut conn = connect(&url).await;
    let st = statement(
        "live::bad_object",
        "SELECT id FROM dbo.this_table_does_not_exist_quarry".into(),
        "",
        &[],
        &[],
        K::Select,
    );
    let e = assert_err!(
        exec(st, vec![]).execute(&mut conn).await,
        Error::Server { code: 208, .. }
    );
    assert_eq!(e.statement().map(|s| s.id), Some("live::bad_object"));
    assert!(
        e.statement()
            .unwrap()
            .sql
            .contains("this_table_does_not_exist_quarry")
    );
    assert!(!conn.is_broken());
    assert_eq!(scalar(&mut conn, "SELECT 1").await, 1);
}

#[tokio::test]
async fn constraint_violations_are_typed() {
    let Some(url) = url("constraint_violations_are_typed") else {
        return;
    };
    let mut conn = connect(&url).await;
    let parent = unique("quarry_parent");
    let child = unique("quarry_child");
    // Dropped in reverse order: the child (which references the parent) first.
    let _parent_guard = DropTable {
        url: url.clone(),
        name: parent.clone(),
    };
    let _child_guard = DropTable {
        url: url.clone(),
        name: child.clone(),
    };
    raw(
        &mut conn,
        &format!(
            "CREATE TABLE dbo.{parent} (id int NOT NULL CONSTRAINT PK_{parent} PRIMARY KEY, \
               email varchar(50) NOT NULL, qty int NOT NULL CONSTRAINT CK_{parent}_qty CHECK (qty >= 0)); \
             CREATE UNIQUE INDEX IX_{parent}_email ON dbo.{parent}(email); \
             CREATE TABLE dbo.{child} (id int NOT NULL PRIMARY KEY, \
               parent_id int NOT NULL CONSTRAINT FK_{child}_parent REFERENCES dbo.{parent}(id));"
        ),
    )
    .await;
    let ins = statement(
        "live::insert_parent",
        format!("INSERT INTO dbo.{parent} (id, email, qty) VALUES (@P1, @P2, @P3)"),
        "@P1 int, @P2 varchar(50), @P3 int",
        &[0, 1, 2],
        &[],
        K::Insert,
    );
    exec(ins, vec![int(&1), text("a@x"), int(&1)])
        .execute(&mut conn)
        .await
        .unwrap();
    let pk = format!("PK_{parent}");
    assert_err!(
        exec(ins, vec![int(&1), text("b@x"), int(&1)]).execute(&mut conn).await,
        Error::UniqueViolation { code: 2627, constraint: Some(c), .. } if *c == pk
    );
    let ix = format!("IX_{parent}_email");
    let e = assert_err!(
        exec(ins, vec![int(&2), text("a@x"), int(&1)]).execute(&mut conn).await,
        Error::UniqueViolation { code: 2601, constraint: Some(c), .. } if *c == ix
    );
    assert!(matches!(&e, Error::UniqueViolation { duplicate_key: Some(k), .. } if k == "a@x"));
    assert_err!(
        exec(ins, vec![int(&3), text("c@x"), int(&-1)])
            .execute(&mut conn)
            .await,
        Error::CheckViolation { .. }
    );
    let ins_child = statement(
        "live::insert_child",
        format!("INSERT INTO dbo.{child} (id, parent_id) VALUES (@P1, @P2)"),
        "@P1 int, @P2 int",
        &[0, 1],
        &[],
        K::Insert,
    );
    let fk = format!("FK_{child}_parent");
    let e = assert_err!(
        exec(ins_child, vec![int(&1), int(&99)]).execute(&mut conn).await,
        Error::ForeignKeyViolation { constraint: Some(c), .. } if *c == fk
    );
    assert_eq!(e.code(), Some(547));
}

//! Booklet chapters 2 and 5: create, read, update and delete users with
//! checked statements. Run with QUARRY_DATABASE_URL set to a scratch
//! database (the example installs the test schema if it is missing).

mod common;

use quarry::{Error, query};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("crud") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let mut db = common::connect_and_prepare(url).await?;

    let (username, fullname) = ("ex_crud_randy", "Randy Fadler");
    // Clean up a previous run.
    query!(ex_crud_cleanup: delete users where username == $username)
        .execute(&mut db)
        .await?;

    let created = query!(ex_crud_insert: insert users { username: $username, fullname: $fullname } returning id)
        .fetch_one(&mut db)
        .await?;
    println!("inserted user {username} with id {}", created.id);

    let id = created.id;
    let user =
        query!(ex_crud_get: select users { id, username, fullname, created_at } where id == $id)
            .fetch_one(&mut db)
            .await?;
    println!(
        "read back: #{} {} ({}), created {}",
        user.id, user.username, user.fullname, user.created_at
    );

    let new_fullname = "R. Fadler";
    let changed =
        query!(ex_crud_rename: update users set { fullname: $new_fullname } where id == $id)
            .execute(&mut db)
            .await?;
    println!("renamed: {changed} row(s) updated");

    let recent =
        query!(ex_crud_recent: select users { id, username } order by created_at desc limit 5)
            .fetch_all(&mut db)
            .await?;
    println!(
        "the 5 most recent users: {:?}",
        recent
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>()
    );

    let gone = query!(ex_crud_delete: delete users where id == $id)
        .execute(&mut db)
        .await?;
    println!("deleted: {gone} row(s)");
    let missing = query!(ex_crud_find: select users { id } where id == $id)
        .fetch_optional(&mut db)
        .await?;
    assert!(missing.is_none());
    println!("crud: done");
    Ok(())
}

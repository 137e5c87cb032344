CREATE VIEW [dbo].[v_user_orders]
AS
SELECT u.id AS user_id,
       u.username,
       o.id AS order_id,
       o.total,
       o.status,
       o.created_at
FROM dbo.users AS u
     INNER JOIN dbo.orders AS o ON o.user_id = u.id;

-- Every user, with the profile when there is one: bio comes from the
-- outer-joined side and is nullable in the view.
CREATE VIEW [dbo].[v_user_profiles]
WITH SCHEMABINDING
AS
SELECT u.id, u.username, u.fullname, p.bio
FROM dbo.users u
LEFT OUTER JOIN dbo.profiles p ON p.user_id = u.id
WHERE u.is_active = 1;

from tests.factories import make_user


def test_login_and_home(app, client, login):
    user = make_user("admin")
    login(user)
    response = client.get("/")
    assert response.status_code == 200

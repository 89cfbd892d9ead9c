def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_login_page(client):
    assert client.get("/login").status_code == 200


def test_login_works(client, login):
    user = login("admin")
    assert client.get("/admin/users").status_code == 200
    assert user.email.encode() in client.get("/admin/users").data

import pytest
from django.test import Client, override_settings


@override_settings(LANGUAGE_CODE="vi")
@pytest.mark.django_db
def test_vietnamese_by_default_even_when_the_browser_asks_for_english():
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page and 'lang="vi"' in page


@override_settings(LANGUAGE_CODE="vi")
def test_english_when_chosen_with_the_switch(world):
    client = Client()
    client.force_login(world.users["hni_officer"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/tasks/"})
    assert response.status_code == 302
    page = client.get("/tasks/").content.decode()
    assert 'lang="en"' in page and "Tasks" in page


@override_settings(LANGUAGE_CODE="vi")
def test_task_status_labels_in_vietnamese(world):
    client = Client()
    client.force_login(world.users["hni_officer"])
    page = client.get("/tasks/").content.decode()
    assert "Quá hạn – chưa hoàn thành" in page or "Chưa thực hiện" in page

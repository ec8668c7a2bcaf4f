from django.urls import path

from . import admin_views, security_views, signin_views, token_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", signin_views.login_code, name="login_code"),
    path("login/enrol/", signin_views.login_enrol, name="login_enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("confirm/", signin_views.confirm, name="confirm"),
    path("password/", views.password_change, name="password_change"),
    path("security/", security_views.security, name="security"),
    path("security/enrol/", security_views.security_enrol, name="security_enrol"),
    path("security/recovery-codes/", security_views.recovery_codes, name="recovery_codes"),
    path("security/disable/", security_views.security_disable, name="security_disable"),
    path("sign-ins/", security_views.sign_in_history, name="sign_in_history"),
    path("users/", admin_views.user_list, name="user_list"),
    path("users/new/", admin_views.user_create, name="user_create"),
    path("users/import/", admin_views.user_import, name="user_import"),
    path("users/import/template.<str:fmt>", admin_views.user_import_template, name="user_import_template"),
    path("users/import/credentials.csv", admin_views.user_import_credentials, name="user_import_credentials"),
    path("users/agency-options/", admin_views.agency_options, name="agency_options"),
    path("users/<int:user_id>/", admin_views.user_detail, name="user_detail"),
    path("tokens/", token_views.token_page, name="tokens"),
]

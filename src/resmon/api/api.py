from ninja import NinjaAPI

api = NinjaAPI(title="Resmon API", version="1", urls_namespace="api")

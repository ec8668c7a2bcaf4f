from django.urls import path

from .views import completeness, consolidation, evidence, explanations, hub, proposals, report, rules

app_name = "reporting"

urlpatterns = [
    path("", hub.hub, name="hub"),
    path("new/", hub.new_report, name="new"),
    path("<int:pk>/", report.detail, name="detail"),
    path("<int:pk>/autosave/", report.autosave, name="autosave"),
    path("<int:pk>/act/", report.act, name="act"),
    path("<int:pk>/consolidate/", consolidation.consolidate, name="consolidate"),
    path("<int:pk>/lines/<int:line_id>/evidence/", evidence.evidence_add, name="evidence_add"),
    path("<int:pk>/evidence/<int:evidence_id>/", evidence.evidence_download, name="evidence"),
    path("<int:pk>/evidence/<int:evidence_id>/remove/", evidence.evidence_remove, name="evidence_remove"),
    path("<int:pk>/proposals/", proposals.proposal_raise, name="proposal_raise"),
    path("completeness/", completeness.completeness, name="completeness"),
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/withdraw/", proposals.proposal_withdraw, name="proposal_withdraw"),
    path("explanations/", explanations.explanation_list, name="explanation_list"),
    path("explanations/new/", explanations.explanation_new, name="explanation_new"),
    path("explanations/<int:pk>/", explanations.explanation_detail, name="explanation_detail"),
    path("rules/", rules.review_rule, name="rules"),
]

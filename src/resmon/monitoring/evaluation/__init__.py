"""Evaluation of agencies (đánh giá, xếp loại): scored per quarter and per year by a published,
configurable rule; then the three steps of Quy định 124-QĐ/TW — the agency's self-assessment, the
supervising agency's appraisal and proposal, the competent body's decision. The system proposes,
people decide."""

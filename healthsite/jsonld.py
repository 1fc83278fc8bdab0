"""Structured data (schema.org JSON-LD) for each page, linked by `@id` URLs:
a condition page is a MedicalWebPage about a MedicalCondition whose causes and
treatments are the MedicalCause and MedicalTherapy of their own pages."""

from __future__ import annotations

import json
import re
from typing import Callable

from .article import PREVENTION, Article, heading_text, plain_text, prose_lines
from .graph import Entity, Site
from .kinds import KINDS

SCHEMA = "https://schema.org"


def entity_id(absolute: Callable[[Entity], str], entity: Entity) -> str:
    return f"{absolute(entity)}#{entity.kind}"


def condition_page(entity: Entity, article: Article, site: Site, absolute, language: str, reviewed, reviewer: str) -> dict:
    """`article`: the condition's, whole (`Article.whole`)."""
    about = {
        "@type": "MedicalCondition",
        "@id": entity_id(absolute, entity),
        "name": entity.title,
        "url": absolute(entity),
        "description": article.document.meta.summary,
    }
    if entity.aliases:
        about["alternateName"] = list(entity.aliases)
    causes = site.related(entity, "causes")
    treatments = site.related(entity, "treatments")
    if causes:
        about["cause"] = [_ref(absolute, c, "cause") for c in causes]
    if treatments:
        about["possibleTreatment"] = [_ref(absolute, t, "treatment") for t in treatments]
    prevention = [s for s in article.sections if s.kind == PREVENTION]
    if prevention:
        about["primaryPrevention"] = [
            {"@type": "MedicalTherapy", "name": heading_text(s.title), "description": _plain(s)} for s in prevention]
    symptoms = list(dict.fromkeys(entry.name for entry in article.entries("symptom")))
    if symptoms:
        about["signOrSymptom"] = [{"@type": "MedicalSignOrSymptom", "name": name} for name in symptoms]
    page = _page(entity, absolute, language, about, article.document.meta.summary)
    if reviewed:  # a draft in the preview may have none yet
        page["lastReviewed"] = reviewed.isoformat()
    if reviewer:
        page["reviewedBy"] = {"@type": "Person", "name": reviewer}
    return page


def entry_page(entity: Entity, site: Site, absolute, language: str, description: str) -> dict:
    about = {"@type": KINDS[entity.kind].schema_type, "@id": entity_id(absolute, entity), "name": entity.title, "url": absolute(entity)}
    if entity.aliases:
        about["alternateName"] = list(entity.aliases)
    conditions = [{"@id": entity_id(absolute, c)} for c in site.related(entity, "conditions")]
    if entity.kind == "cause":
        about["causeOf"] = conditions
        helped_by = site.related(entity, "treatments")
        if helped_by:
            about["@reverse"] = {"possibleTreatment": [{"@id": entity_id(absolute, t)} for t in helped_by]}
    else:
        about["@reverse"] = {"possibleTreatment": conditions}
    page = _page(entity, absolute, language, about, description)
    reviewed = entity.article.document.meta.reviewed if entity.article else None
    if reviewed:
        page["lastReviewed"] = reviewed.isoformat()
    return page


def web_page(kind: str, url: str, title: str, description: str, language: str) -> dict:
    types = {"home": "WebSite", "page": "WebPage", "404": "WebPage", "search": "SearchResultsPage"}
    return {"@context": SCHEMA, "@type": types.get(kind, "CollectionPage"), "@id": url + "#page", "url": url,
            "name": title, "description": description, "inLanguage": language}


def _page(entity: Entity, absolute, language: str, about: dict, description: str) -> dict:
    return {
        "@context": SCHEMA,
        "@type": "MedicalWebPage",
        "@id": absolute(entity) + "#page",
        "url": absolute(entity),
        "name": entity.title,
        "description": description,
        "inLanguage": language,
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "about": about,
    }


def _ref(absolute, entity: Entity, role: str) -> dict:
    """A cause or treatment; one that is also a condition keeps its condition page's `@id`
    under `sameAs`, as a cause of one condition is a condition of its own."""
    if entity.kind == role:
        return {"@type": KINDS[role].schema_type, "@id": entity_id(absolute, entity), "name": entity.title, "url": absolute(entity)}
    return {"@type": KINDS[role].schema_type, "name": entity.title, "url": absolute(entity),
            "sameAs": entity_id(absolute, entity)}


def _plain(section) -> str:
    lines = [line for text, _ in section.texts() for _, line in prose_lines(text)]
    return re.sub(r"\s+", " ", plain_text("\n".join(lines))).strip()


def script_json(data: dict) -> str:
    """JSON safe inside <script>: no `<`, `>` or `&` can end the element or start a comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, indent=None)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

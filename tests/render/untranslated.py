"""What a vi/pl/ms reader must not meet outside a statement's auditor's section (issue
14, "Done when"): the plan's own names (measures, earnings, params, rate tables,
credit sets, inputs, columns), its English labels where the reader's language has
others, the English of the statements' catalog (compplan/render/locales), rule
positions, hashes and conditions in plan syntax. Shared by the sample-plan tests
(test_issue14_sample_labels.py, test_issue14_demo_languages.py)."""
from __future__ import annotations

import re

from compplan.lang.model import Label
from compplan.render.locale import message_ids, messages

from .conftest import page_text

# A catalog text is looked for by its pieces between placeholders ("{x}"); a piece of
# one short word ("of", "at", "met", "Run") may as well be a name's or a figure's
# neighbour, so it is not evidence of English: one word counts from this many letters.
SHORTEST_WORD = 4


def rep_part(page: str) -> str:
    """The page a rep reads: all but the auditor's section, the curve's text kept."""
    rep = page.split('<details class="audit"', 1)[0]
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", rep))
    return page_text(rep) + "\n" + svg_text


def plan_identifiers(compiled) -> set[str]:
    """The plan's own names that are not words a rep reads: measures, earnings, params,
    rate tables, credit sets, inputs, and columns with an underscore."""
    plan = compiled.plan
    names = set(plan.measures) | set(plan.earnings) | set(plan.params) | set(plan.rates)
    names |= set(plan.credits) | set(plan.inputs)
    for inp in plan.inputs.values():
        names |= {c for c in inp.columns if "_" in c}
    return names


def _labels(compiled):
    """Every label of the plan."""
    plan = compiled.plan
    for inp in plan.inputs.values():
        yield inp.label
        yield from inp.labels.values()
    for m in plan.measures.values():
        yield m.label
    for rt in plan.rates.values():
        yield rt.label
    for e in plan.earnings.values():
        yield e.label
        yield e.when_label


def english_labels(compiled, locale: str) -> set[str]:
    """English label texts a reader of `locale` must not meet: those whose text in the
    locale is another one (and does not contain the English, as 'Bonus KPI' would)."""
    out = set()
    for label in _labels(compiled):
        if isinstance(label, Label) and label.per_locale:
            en, own = label.text_for("en"), label.text_for(locale)
            if en and own and en not in own:
                out.add(en)
        elif label is not None:
            out.add(str(label))  # one text for every language: English
    return out


def english_catalog_texts(locale: str) -> set[str]:
    """The English pieces of the statements' catalog that `locale` says otherwise: each
    message id cut at its placeholders, the pieces of two words or more or of one long
    word (SHORTEST_WORD) that its translation does not itself contain."""
    translated = messages(locale)
    out = set()
    for msgid in message_ids():
        own = translated.get(msgid)
        if not own:
            continue  # untranslated ids are the catalog test's (test_locale.py)
        for piece in re.split(r"\{[^}]*\}", msgid):
            piece = piece.strip(" .,:;()–-")
            words = piece.split()
            if (len(words) > 1 or len(piece) >= SHORTEST_WORD) and piece not in own:
                out.add(piece)
    return out


def untranslated(text: str, compiled, locale: str) -> list[str]:
    """What in `text` (a rep's part of a statement, tags stripped, whitespace as one
    space) is not in `locale`'s words; [] where all is."""
    # the plan's name is the document's title, as the comp team named it; it is not a
    # name in the plan's rules
    text = text.replace(compiled.plan.name, "[plan name]")
    found = [f"identifier '{n}'" for n in sorted(plan_identifiers(compiled))
             if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    found += [f"English label '{t}'" for t in sorted(english_labels(compiled, locale))
              if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)]
    found += [f"English text '{t}'" for t in sorted(english_catalog_texts(locale))
              if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text)]
    if re.search(r"\.yaml:\d+:\d+", text):
        found.append("a rule's position")
    found += [f"'{w}'" for w in ("sha256", ">=", "<=") if w in text]
    return found

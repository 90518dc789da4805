"""The 24 dense features of docs/features.md, built in Python for the benchmark's reference pipeline
(pipeline_peer.py), so that the peer does the feature work our feature step does instead of being
handed our values. Standard library only (re, bisect): the parity test (test/unit/bench/
dense-features-peer.test.ts) runs it with any python3.

Input: the processed table's columns per e-mail (the fields of our EmailRecord the views read);
output: one row of 24 floats per e-mail, in our column order: text (8), structural (8),
temporal (4), sender domain (4). Definitions follow docs/features.md; where JavaScript and Python
differ, the JavaScript meaning is the specification:
- lengths and ratios count UTF-16 code units (a character above U+FFFF counts 2);
- the text view's white space is every character up to U+0020 plus the Unicode spaces of
  JavaScript's `\\s` (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000,
  U+FEFF); Python's `str.split()` disagrees on U+0085 and on the controls below U+0020 other than
  tab..CR and U+001C-U+001F, so those are mapped first;
- `href=` / `<img` matches are ASCII case-insensitive with JavaScript's ASCII word boundary, and
  the white space of `\\s*` is JavaScript's;
- domains are trimmed with JavaScript's white space, lower-cased, and stripped of trailing
  '>', white space and '.' (mime.ts stripDomainTail).

The functions are written for speed the way a Python user would: per-text counts with C-level
`bytes.translate` / `bytes.count` / `bytes.find` on the UTF-8 bytes (ASCII stays ASCII there and
every other character's bytes are >= 0x80), no per-character Python loops. (Regular expressions
with look-behinds for the URL and `href` counts took 0.2 s more on the corpus.)
"""
import bisect
import re

DAY_MS = 86_400_000

# JavaScript's WhiteSpace + LineTerminator above ASCII (core/whitespace.ts isSpaceCodeUnit)
_JS_WIDE_SPACES = '\u00a0\u1680' + ''.join(chr(c) for c in range(0x2000, 0x200b)) + '\u2028\u2029\u202f\u205f\u3000\ufeff'
_JS_SPACE_CLASS = '[\\t\\n\\x0b\\x0c\\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]'

# For the word split: every text-view space becomes ' ', and U+0085 (white space to Python only)
# becomes a character that is not white space to either.
_SPLIT_TABLE = {c: ' ' for c in range(0x21)}
_SPLIT_TABLE.update({ord(c): ' ' for c in _JS_WIDE_SPACES})
_SPLIT_TABLE[0x85] = 'x'

_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LOWER = bytes(range(97, 123))
_ASCII_DIGITS = bytes(range(48, 58))
_NOT_UPPER = bytes(c for c in range(256) if not 65 <= c <= 90)
_NOT_LETTER = bytes(c for c in range(256) if not (65 <= c <= 90 or 97 <= c <= 122))
_NOT_DIGIT = bytes(c for c in range(256) if not 48 <= c <= 57)

_ASTRAL = re.compile('[\U00010000-\U0010ffff]')
# After `href`: JavaScript's white space (in UTF-8) any number of times, then '='.
_SPACES_THEN_EQ = re.compile(b'(?:[\\t\\n\\x0b\\x0c\\r ]|' + b'|'.join(re.escape(c.encode('utf-8')) for c in _JS_WIDE_SPACES) + b')*=')
# ASCII word characters after lower-casing (bytes.lower() changes only A-Z)
_WORD = frozenset(b'abcdefghijklmnopqrstuvwxyz0123456789_')
_URL_WORD = _WORD | frozenset(b'/.')
_DOMAIN_TAIL = re.compile('[>.' + _JS_SPACE_CLASS[1:-1] + ']+\\Z')  # \Z: the end only ($ also matches before a final newline)
_JS_TRIM = '\t\n\x0b\x0c\r ' + _JS_WIDE_SPACES


def astral_count(s):
    """Characters above U+FFFF: each is two UTF-16 code units to JavaScript, one character to Python."""
    return 0 if s.isascii() else len(_ASTRAL.findall(s))


def utf16_length(s):
    """Length in UTF-16 code units (JavaScript's `.length`)."""
    return len(s) + astral_count(s)


def text_features(s):
    """email_text_features of one text (subject + '\\n' + body_text)."""
    astral = astral_count(s)
    n16 = len(s) + astral
    b = s.encode('utf-8', 'surrogatepass')  # ASCII classes are counted on the bytes (UTF-8 keeps ASCII as is)
    upper = len(b.translate(None, _NOT_UPPER))
    letters = len(b.translate(None, _NOT_LETTER))
    digits = len(b.translate(None, _NOT_DIGIT))
    words_list = s.translate(_SPLIT_TABLE).split()
    words = len(words_list)
    non_space = sum(map(len, words_list)) + astral  # an astral character is two non-space units
    lb = b.lower()  # ASCII letters only, as the views' case-insensitive matches
    urls = lb.count(b'http://') + lb.count(b'https://') + _count_www(lb)
    money = s.count('$') + s.count('\u20ac') + s.count('\u00a3') + s.count('\u00a5')
    return [
        float(urls),
        float(words),
        upper / letters if letters > 0 else 0.0,
        float(s.count('!')),
        digits / n16 if n16 > 0 else 0.0,
        non_space / words if words > 0 else 0.0,
        float(money),
        float(n16),
    ]


def _occurrences(lb, word):
    """Start offsets of `word` in `lb` (every one, overlapping ones included)."""
    i = lb.find(word)
    while i >= 0:
        yield i
        i = lb.find(word, i + 1)


def _count_www(lb):
    """`www.` not preceded by '/', '.' or an ASCII word character (a non-ASCII character's last
    UTF-8 byte is >= 0x80, so it does not count as one, as in JavaScript)."""
    return sum(1 for i in _occurrences(lb, b'www.') if i == 0 or lb[i - 1] not in _URL_WORD)


def _count_href(lb):
    """`href`, white space, `=`, the `href` starting a word (JavaScript's /\\bhref\\s*=/gi)."""
    return sum(1 for i in _occurrences(lb, b'href') if (i == 0 or lb[i - 1] not in _WORD) and _SPACES_THEN_EQ.match(lb, i + 4))


def _count_img(lb):
    """`<img` ending a word (JavaScript's /<img\\b/gi)."""
    return sum(1 for i in _occurrences(lb, b'<img') if i + 4 == len(lb) or lb[i + 4] not in _WORD)


def structural_features(r):
    """email_structural_features of one record (dict with the processed table's fields)."""
    html = r.get('body_html') or ''
    lh = html.encode('utf-8', 'surrogatepass').lower() if html else b''
    reply_to = r.get('reply_to') or ''
    recipients = r.get('num_recipients')
    return [
        1.0 if r.get('has_html') or r.get('body_html') is not None else 0.0,
        float(utf16_length(r.get('subject') or '')),
        float(_count_href(lh)),
        float(_count_img(lh)),
        1.0 if (r.get('num_attachments') or 0) > 0 else 0.0,
        float(recipients) if isinstance(recipients, (int, float)) and recipients == recipients and recipients > 0 and recipients != float('inf') else 0.0,
        1.0 if reply_to != '' and reply_to != r.get('sender') else 0.0,
        1.0 if r.get('is_multipart') else 0.0,
    ]


def temporal_features(t):
    """email_temporal_features of an event timestamp (ms since the epoch, UTC) or None."""
    if t is None:
        return [-1.0, -1.0, 0.0, 1.0]
    hour = (t % DAY_MS) // 3_600_000
    dow = (t // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return [float(hour), float(dow), 1.0 if dow >= 5 else 0.0, 0.0]


def normalise_domain(d):
    return _DOMAIN_TAIL.sub('', d.strip(_JS_TRIM).lower())


class SenderHistory:
    """sender_domain_features, point-in-time: learned from training records and their labels."""

    def __init__(self, records, labels, pseudo_count=2.0):
        by_domain = {}
        every = []
        for r, y in zip(records, labels):
            t = r.get('event_timestamp')
            if t is None:
                continue
            every.append((t, y))
            d = r.get('sender_domain')
            d = normalise_domain(d) if isinstance(d, str) else ''
            if d:
                by_domain.setdefault(d, []).append((t, y))
        self.a = float(pseudo_count)
        self.all_t, self.all_cum = self._cumulative(every)
        self.domains = {d: self._cumulative(v) for d, v in by_domain.items()}

    @staticmethod
    def _cumulative(events):
        events.sort(key=lambda e: e[0])  # stable: equal times keep their order, as our sort does
        ts, cum, acc = [], [], 0
        for t, y in events:
            acc += y
            ts.append(t)
            cum.append(acc)
        return ts, cum

    def features(self, domain, t):
        if t is None:
            prior = 0.5
        else:
            n = bisect.bisect_left(self.all_t, t)
            prior = ((self.all_cum[n - 1] if n > 0 else 0) + 1) / (n + 2)
        count = 0
        if t is not None and isinstance(domain, str):
            h = self.domains.get(normalise_domain(domain))
            if h is not None:
                ts, cum = h
                count = bisect.bisect_left(ts, t)
        if count == 0:
            return [(0 + self.a * prior) / (0 + self.a), 0.0, -1.0, -1.0]
        return [(cum[count - 1] + self.a * prior) / (count + self.a), float(count), (t - ts[0]) / DAY_MS, (t - ts[count - 1]) / DAY_MS]


def dense_rows(records, history):
    """24 floats per record, our column order."""
    out = []
    for r in records:
        out.append(
            text_features((r.get('subject') or '') + '\n' + (r.get('body_text') or ''))
            + structural_features(r)
            + temporal_features(r.get('event_timestamp'))
            + history.features(r.get('sender_domain'), r.get('event_timestamp'))
        )
    return out


def records_of(columns):
    """The input's column lists ({'subject': [...], ...}) as one dict per e-mail."""
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*(columns[k] for k in names))]


if __name__ == '__main__':
    # Parity check helper: stdin {"train": {columns}, "labels": [...], "score": {columns}} ->
    # stdout [[24 floats] per scored record] (the sender history is fitted on train and labels).
    import json
    import sys
    inp = json.load(sys.stdin)
    hist = SenderHistory(records_of(inp['train']), inp['labels'], inp.get('pseudoCount', 2))
    json.dump(dense_rows(records_of(inp['score']), hist), sys.stdout)

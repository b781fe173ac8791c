#!/usr/bin/env python3
"""Golden values for the E2E metrics in packages/lora/src/experiments/e2e/metrics.

An independent Python implementation of the same definitions (see METRICS.md next to the
TypeScript code), plus NLTK where NLTK has the same definition:
  - BLEU: own mteval-v13a implementation, cross-checked here against nltk's corpus_bleu on the
    same tokens (the script stops if they disagree);
  - NIST: own implementation of mteval-v13a's definition (nltk's corpus_nist defines it
    differently: best single reference per segment);
  - METEOR: own implementation of the same exact+stem approximation of METEOR 1.5, with nltk's
    PorterStemmer(mode=MARTIN_EXTENSIONS) as the stemmer (independent of our TS stemmer);
  - ROUGE-L and CIDEr-D: own implementations of pycocoevalcap's Rouge and Cider.
The tokenisers are the same approximate definitions as the TS code (mteval-v13a; PTB-like;
METEOR -norm), re-implemented here.

Needs Debian's python3-nltk (apt-get install -y python3-nltk) and run with /usr/bin/python3:
  /usr/bin/python3 packages/lora/scripts/e2e_metrics_golden.py            # fixture + goldens
  /usr/bin/python3 packages/lora/scripts/e2e_metrics_golden.py --dev-sanity  # real-dev sanity
Reads ../shared/data/e2e/devset.csv (relative to the repo root). Writes under
packages/lora/test/fixtures/e2e/. Deterministic: same data, same output.
"""

import argparse
import collections
import csv
import json
import math
import os
import random
import re
import sys

import numpy as np
from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import corpus_bleu

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
DATA = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data', 'e2e'))
FIXTURES = os.path.join(REPO, 'packages', 'lora', 'test', 'fixtures', 'e2e')
METRICS_SRC = os.path.join(REPO, 'packages', 'lora', 'src', 'experiments', 'e2e', 'metrics')


# ---------------------------------------------------------------- data

def read_dev():
    groups = collections.OrderedDict()
    with open(os.path.join(DATA, 'devset.csv'), newline='', encoding='utf-8') as fh:
        rows = csv.reader(fh)
        next(rows)
        for mr, ref in rows:
            groups.setdefault(mr, []).append(ref)
    return list(groups.items())


# ---------------------------------------------------------------- tokenisers

MTEVAL_SYMBOLS = re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])')


def mteval_tokens(text):
    t = re.sub(r'\s+', ' ', text).replace('<skipped>', '')
    t = t.replace('&quot;', '"').replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>')
    t = ' ' + t + ' '
    t = ''.join(c.lower() if 'A' <= c <= 'Z' else c for c in t)
    t = MTEVAL_SYMBOLS.sub(r' \1 ', t)
    t = re.sub(r'([^0-9])([\.,])', r'\1 \2 ', t)
    t = re.sub(r'([\.,])([^0-9])', r' \1 \2', t)
    t = re.sub(r'([0-9])(-)', r'\1 \2 ', t)
    return t.split()


PTB_DROP = {"''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-',
            '--', '...', ';', '"', '(', ')', '[', ']', '{', '}'}
TITLES = {'mr.', 'mrs.', 'ms.', 'dr.', 'st.', 'jr.', 'sr.', 'prof.', 'vs.', 'etc.'}
CLITIC = re.compile(r"^(.+?)('s|'re|'ve|'ll|'d|'m)$")
NEG = re.compile(r"^(.+?)(n't)$")
BARE = re.compile(r"^('s|'re|'ve|'ll|'d|'m|n't)$")


def ptb_piece(piece):
    """One whitespace-free piece after symbol splitting -> tokens."""
    if piece in ('...', '--'):
        return [piece]
    head, tail = [], []
    while re.match(r"^[-']", piece) and len(piece) > 1 and not BARE.match(re.sub(r"[-'.]+$", '', piece)):
        head.append(piece[0])
        piece = piece[1:]
    while True:
        if len(piece) > 1 and piece.endswith('.') and not re.fullmatch(r'([a-z]\.)+', piece) and piece not in TITLES:
            tail.insert(0, '.')
            piece = piece[:-1]
        elif len(piece) > 1 and piece[-1] in "-'":
            tail.insert(0, piece[-1])
            piece = piece[:-1]
        else:
            break
    if piece == 'cannot':
        body = ['can', 'not']
    elif NEG.match(piece):
        body = list(NEG.match(piece).groups())
    elif CLITIC.match(piece):
        body = list(CLITIC.match(piece).groups())
    else:
        body = [piece]
    return head + body + tail


def ptb_tokens(text):
    t = re.sub('[\u2018\u2019]', "'", text)
    t = re.sub('[\u201c\u201d]', '"', t).lower()
    out = []
    for chunk in t.split():
        c = re.sub(r'\.{3,}|\u2026', ' ... ', chunk)
        c = re.sub(r'(["()\[\]{};!?£$€¥%`])', r' \1 ', c)
        c = re.sub(r',(?![0-9])|(?<![0-9]),', ' , ', c)
        c = re.sub(r':(?![0-9])|(?<![0-9]):', ' : ', c)
        c = re.sub(r'--+', ' -- ', c)
        for piece in c.split(' '):
            if piece:
                out.extend(tok for tok in ptb_piece(piece) if tok not in PTB_DROP)
    return out


ALPHA = 'A-Za-zŠŽšžŸÀ-ÖØ-öø-žЀ-ӿԀ-ԧꙀ-ꙮ꙾-ꚗᴀ-ᵿ'
ALNUM = '0-9' + ALPHA


def meteor_norm(line):
    w = ' ' + line + ' '
    w = re.sub('([^' + ALNUM + r"\s.'`,\-‘’])", r' \1 ', w)
    w = re.sub(r'([^0-9]),([^0-9])', r'\1 , \2', w)
    w = re.sub(r'([0-9]),([^0-9])', r'\1 , \2', w)
    w = re.sub(r'([^0-9]),([0-9])', r'\1 , \2', w)
    w = re.sub('[`‘’]', "'", w)
    w = re.sub("[“”]|''", ' " ', w)
    w = w.replace('–', '-').replace('--', '-')
    w = re.sub('([' + ALNUM + r'.])-([' + ALNUM + '])', r'\1 \2', w)
    w = re.sub('([^' + ALPHA + "])'([^" + ALPHA + '])', r"\1 ' \2", w)
    w = re.sub('([^' + ALPHA + "0-9])'([" + ALPHA + '])', r"\1 ' \2", w)
    w = re.sub('([' + ALPHA + "])'([^" + ALPHA + '])', r"\1 ' \2", w)
    w = re.sub('([' + ALPHA + "])'([" + ALPHA + '])', r"\1 '\2", w)
    w = re.sub(r"([0-9])'(s)", r"\1 '\2", w)
    words = w.split()
    out = []
    for i, word in enumerate(words):
        if len(word) > 1 and word.endswith('.'):
            pre = word[:-1]
            if '.' in pre and re.search('[' + ALPHA + ']', pre):
                out.append(word.replace('.', ''))
            elif i < len(words) - 1 and re.match('[a-z]', words[i + 1]):
                out.append(word)
            else:
                out.extend([pre, '.'])
        else:
            out.append(word)
    return out


def all_tokens(text):
    ptb = ptb_tokens(text)
    return {'mteval': mteval_tokens(text), 'ptb': ptb, 'meteor': meteor_norm(' '.join(ptb))}


# ---------------------------------------------------------------- BLEU / NIST (mteval-v13a)

def ngram_counter(toks, n):
    return collections.Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def bleu(hyps, refsets):
    match, total = [0] * 4, [0] * 4
    c_len = r_len = 0
    for hyp, refs in zip(hyps, refsets):
        for n in range(1, 5):
            h = ngram_counter(hyp, n)
            best = collections.Counter()
            for r in refs:
                best |= ngram_counter(r, n)
            match[n - 1] += sum(min(c, best[g]) for g, c in h.items())
            total[n - 1] += max(len(hyp) - n + 1, 0)
        lens = [len(r) for r in refs if len(r) > 0]
        r_len += min(lens, key=lambda L: (abs(L - len(hyp)), L)) if lens else 0
        c_len += len(hyp)
    if c_len == 0:
        return 0.0
    bp = math.exp(min(0.0, 1 - r_len / c_len))
    logs, k = 0.0, 1
    for m, t in zip(match, total):
        if t == 0:
            continue
        if m == 0:
            k *= 2
            logs += math.log(1.0 / (k * t))
        else:
            logs += math.log(m / t)
    return bp * math.exp(logs / 4)


def nist(hyps, refsets):
    counts = collections.Counter()
    words = 0
    for refs in refsets:
        for r in refs:
            words += len(r)
            for n in range(1, 6):
                counts.update(ngram_counter(r, n))
    info = {g: math.log2((counts[g[:-1]] if len(g) > 1 else words) / c) for g, c in counts.items()}
    gain, tot = [0.0] * 5, [0] * 5
    ref_words, systems = 0, 0
    for hyp, refs in zip(hyps, refsets):
        systems = max(systems, len(refs))
        ref_words += sum(len(r) for r in refs)
        for n in range(1, 6):
            tot[n - 1] += max(len(hyp) - n + 1, 0)
            best = collections.Counter()
            for r in refs:
                best |= ngram_counter(r, n)
            for g, c in ngram_counter(hyp, n).items():
                if best[g] > 0:
                    gain[n - 1] += info[g] * min(c, best[g])
    score = sum(g / max(t, 1) for g, t in zip(gain, tot))
    ratio = tot[0] / (ref_words / systems)
    if ratio >= 1:
        bp = 1.0
    elif ratio <= 0:
        bp = 0.0
    else:
        beta = -math.log(0.5) / math.log(1.5) ** 2
        bp = math.exp(-beta * math.log(ratio) ** 2)
    return score * bp


# ---------------------------------------------------------------- ROUGE-L, CIDEr-D (pycocoevalcap)

def lcs(a, b):
    table = np.zeros((len(a) + 1, len(b) + 1), dtype=np.int64)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i, j] = table[i - 1, j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1, j], table[i, j - 1])
    return int(table[len(a), len(b)])


def rouge_l_segment(hyp, refs, beta=1.2):
    h = ' '.join(hyp).split(' ')
    precs, recs = [], []
    for r in refs:
        rt = ' '.join(r).split(' ')
        l = lcs(rt, h)
        precs.append(l / len(h))
        recs.append(l / len(rt))
    p, r = max(precs), max(recs)
    return ((1 + beta ** 2) * p * r) / (r + beta ** 2 * p) if p != 0 and r != 0 else 0.0


def cider_segments(hyps, refsets, n=4, sigma=6.0):
    def cook(toks):
        c = collections.Counter()
        for k in range(1, n + 1):
            c.update(ngram_counter(toks, k))
        return c

    crefs = [[cook(r) for r in refs] for refs in refsets]
    ctest = [cook(h) for h in hyps]
    df = collections.Counter()
    for refs in crefs:
        for g in set(g for r in refs for g in r):
            df[g] += 1
    ref_len = np.log(float(len(crefs)))

    def vec(cnts):
        v = [dict() for _ in range(n)]
        norm = [0.0] * n
        length = 0
        for g, tf in cnts.items():
            k = len(g) - 1
            v[k][g] = float(tf) * (ref_len - np.log(max(1.0, df[g])))
            norm[k] += v[k][g] ** 2
            if k == 1:
                length += tf
        return v, [np.sqrt(x) for x in norm], length

    scores = []
    for test, refs in zip(ctest, crefs):
        vh, nh, lh = vec(test)
        acc = np.zeros(n)
        for ref in refs:
            vr, nr, lr = vec(ref)
            delta = float(lh - lr)
            val = np.zeros(n)
            for k in range(n):
                for g in vh[k]:
                    val[k] += min(vh[k][g], vr[k].get(g, 0.0)) * vr[k].get(g, 0.0)
                if nh[k] != 0 and nr[k] != 0:
                    val[k] /= nh[k] * nr[k]
                val[k] *= np.e ** (-(delta ** 2) / (2 * sigma ** 2))
            acc += val
        scores.append(float(np.mean(acc) / len(refs) * 10.0))
    return scores


# ---------------------------------------------------------------- METEOR (exact + stem approximation)

def function_words():
    """The function-word list, read from the TS source so both sides use the same one."""
    src = open(os.path.join(METRICS_SRC, 'function-words.ts'), encoding='utf-8').read()
    body = src[src.index('new Set(['):]
    return {a or b for a, b in re.findall(r"^\s*(?:'([^']*)'|\"([^\"]*)\"),\s*$", body, re.M)}


FUNCTION = None
STEMMER = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)
ALIGN_WEIGHT = [1.0, 0.5]
PARAMS = dict(alpha=0.85, beta=0.2, gamma=0.6, delta=0.75, weights=[1.0, 0.6])


def stem(word):
    return STEMMER.stem(word, to_lowercase=False)


class PartialPath:
    __slots__ = ('matches', 'hyp_used', 'ref_used', 'weighted', 'chunks', 'distance', 'last_end')

    def clone(self):
        p = PartialPath()
        p.matches, p.hyp_used, p.ref_used = list(self.matches), list(self.hyp_used), list(self.ref_used)
        p.weighted, p.chunks, p.distance, p.last_end = self.weighted, self.chunks, self.distance, self.last_end
        return p

    def key(self):
        return (-self.weighted, self.chunks, self.distance)


def align(hyp, ref, beam=40):
    """(ref_pos, hyp_pos, module) matches chosen by METEOR 1.5's beam search."""
    cands = [[] for _ in ref]
    cov_h, cov_r = [0] * len(hyp), [0] * len(ref)
    for j, rw in enumerate(ref):
        for i, hw in enumerate(hyp):
            if hw == rw:
                cands[j].append((j, i, 0))
                cov_h[i] += 1
                cov_r[j] += 1
    if hyp != ref:
        hs, rs = [stem(w) for w in hyp], [stem(w) for w in ref]
        for j in range(len(ref)):
            for i in range(len(hyp)):
                if hs[i] == rs[j] and hyp[i] != ref[j]:
                    cands[j].append((j, i, 1))
                    cov_h[i] += 1
                    cov_r[j] += 1
    start = PartialPath()
    start.matches, start.hyp_used, start.ref_used = [None] * len(ref), [False] * len(hyp), [False] * len(ref)
    start.weighted, start.chunks, start.distance, start.last_end = 0.0, 0, 0, -1
    for j, cs in enumerate(cands):
        if len(cs) == 1 and cov_r[j] == 1 and cov_h[cs[0][1]] == 1:
            start.matches[j] = cs[0]
            start.ref_used[j] = True
            start.hyp_used[cs[0][1]] = True

    def extend(p, m):
        p.weighted += 2 * ALIGN_WEIGHT[m[2]]
        if p.last_end != -1 and m[1] != p.last_end:
            p.chunks += 1
        p.last_end = m[1] + 1

    frontier = [start]
    for pos in range(len(ref) + 1):
        ranked = sorted(frontier, key=PartialPath.key)  # stable, like Java's sort
        frontier = []
        for p in ranked[:beam]:
            if pos == len(ref):
                if p.last_end != -1:
                    p.chunks += 1
                frontier.append(p)
                continue
            if p.ref_used[pos]:
                m = p.matches[pos]
                extend(p, m)
                p.distance += abs(m[0] - m[1])
                frontier.append(p)
                continue
            for m in cands[pos]:
                if p.hyp_used[m[1]]:
                    continue
                q = p.clone()
                q.matches[pos] = m
                q.hyp_used[m[1]] = True
                q.ref_used[pos] = True
                extend(q, m)
                p.distance += abs(m[0] - m[1])  # METEOR 1.5 adds it to the parent path
                frontier.append(q)
            if p.last_end != -1:
                p.chunks += 1
                p.last_end = -1
            frontier.append(p)
        if not frontier:
            frontier.append(ranked[0])
    best = sorted(frontier, key=PartialPath.key)[0]
    return [m for m in best.matches if m is not None]


def chunks_of(matches_by_ref):
    """Chunks = maximal runs contiguous in both sentences (matches sorted by ref position)."""
    runs, prev = 0, None
    for (j, i, _m) in matches_by_ref:
        if prev is None or j != prev[0] + 1 or i != prev[1] + 1:
            runs += 1
        prev = (j, i)
    return runs


def meteor_pair(hyp, ref):
    ms = align(hyp, ref)
    st = dict(tl=len(hyp), rl=len(ref), tf=sum(w in FUNCTION for w in hyp), rf=sum(w in FUNCTION for w in ref),
              tc=[0, 0], tfm=[0, 0], rc=[0, 0], rfm=[0, 0], chunks=chunks_of(ms))
    for j, i, mod in ms:
        (st['tfm'] if hyp[i] in FUNCTION else st['tc'])[mod] += 1
        (st['rfm'] if ref[j] in FUNCTION else st['rc'])[mod] += 1
    return st


def meteor_score(st):
    a, b, g, d, w = PARAMS['alpha'], PARAMS['beta'], PARAMS['gamma'], PARAMS['delta'], PARAMS['weights']
    tw = d * (st['tl'] - st['tf']) + (1 - d) * st['tf']
    rw = d * (st['rl'] - st['rf']) + (1 - d) * st['rf']
    tm = sum(w[k] * (d * st['tc'][k] + (1 - d) * st['tfm'][k]) for k in range(2))
    rm = sum(w[k] * (d * st['rc'][k] + (1 - d) * st['rfm'][k]) for k in range(2))
    with np.errstate(divide='ignore', invalid='ignore'):
        p = np.float64(tm) / np.float64(tw)
        r = np.float64(rm) / np.float64(rw)
        fmean = 1.0 / ((1 - a) / p + a / r)
        t_all, r_all = sum(st['tc']) + sum(st['tfm']), sum(st['rc']) + sum(st['rfm'])
        if t_all == st['tl'] and r_all == st['rl'] and st['chunks'] == 1:
            frag = 0.0
        else:
            frag = np.float64(st['chunks']) / ((t_all + r_all) / 2.0)
        score = fmean * (1 - g * frag ** b)
    return 0.0 if math.isnan(score) else max(float(score), 0.0)


def meteor_corpus(hyps, refsets):
    total = None
    for hyp, refs in zip(hyps, refsets):
        best, best_score = None, -1.0
        for r in refs:
            st = meteor_pair(hyp, r)
            s = meteor_score(st)
            if s > best_score:
                best, best_score = st, s
        if total is None:
            total = best
        else:
            total = {k: ([x + y for x, y in zip(total[k], best[k])] if isinstance(total[k], list) else total[k] + best[k])
                     for k in total}
    return meteor_score(total)


# ---------------------------------------------------------------- scoring

def score_all(hyps, refsets):
    th = [all_tokens(h) for h in hyps]
    tr = [[all_tokens(r) for r in refs] for refs in refsets]
    pick = lambda key: ([t[key] for t in th], [[t[key] for t in refs] for refs in tr])
    mh, mr = pick('mteval')
    ph, pr = pick('ptb')
    eh, er = pick('meteor')
    b = bleu(mh, mr)
    # Cross-check with nltk's corpus_bleu: same clipping and closest-length rule. nltk counts at
    # least 1 n-gram per order per segment (max(1, count)) where mteval counts 0, so compare on
    # the segments with at least 4 tokens; no smoothing is needed while every order has a match.
    long_ = [i for i, h in enumerate(mh) if len(h) >= 4]
    nb = corpus_bleu([[r for r in mr[i] if r] for i in long_], [mh[i] for i in long_])
    b_long = bleu([mh[i] for i in long_], [mr[i] for i in long_])
    assert abs(b_long - nb) < 1e-12, (b_long, nb)
    rouge_seg = [rouge_l_segment(h, refs) for h, refs in zip(ph, pr)]
    cider_seg = cider_segments(ph, pr)
    return {
        'bleu': b,
        'bleuLongSegments': b_long,
        'bleuLongSegmentsNltk': nb,
        'nist': nist(mh, mr),
        'meteor': meteor_corpus(eh, er),
        'rougeL': float(np.mean(rouge_seg)),
        'cider': float(np.mean(cider_seg)),
        'rougeLSegments': rouge_seg,
        'ciderSegments': cider_seg,
    }, th, tr


def perturb(ref, other_words, rng, kind):
    words = ref.split(' ')
    if kind == 'drop' and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif kind == 'swap' and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == 'replace':
        words[rng.randrange(len(words))] = rng.choice(other_words)
    elif kind == 'truncate':
        words = words[:max(2, len(words) // 2)]
    elif kind == 'duplicate':
        i = rng.randrange(len(words))
        words = words[:i + 1] + words[max(0, i - 2):i + 1] + words[i + 1:]
    elif kind == 'shuffle':
        rng.shuffle(words)
    elif kind == 'case':
        words = [w.upper() if rng.random() < 0.3 else w for w in words] + ['!']
    return ' '.join(words)


KINDS = ['identical', 'drop', 'swap', 'replace', 'truncate', 'unseen', 'duplicate', 'shuffle', 'case', 'drop']

# Hand-written perturbations that exercise the tokenisers (quotes, brackets, clitics, £ ranges,
# hyphens, abbreviations, ellipses, curly quotes, an empty output).
SPECIAL = [
    '"The Eagle" (a coffee shop) isn\'t cheap: it\'s £20-25... and it\'s kid-friendly!',
    'Near the Café Rouge, there\u2019s a family-friendly pub; prices are less than £20 -- great.',
    'It cannot be found in the city centre, e.g. near St. Johns... it\'s rated 5 out of 5.',
    '',
]


def build_fixture(dev):
    rng = random.Random(20240617)
    all_words = sorted({w for _, refs in dev for r in refs for w in r.split(' ') if w.isalpha()})
    hyps, refsets, kinds = [], [], []
    at = 0
    for s in range(30):
        k = 1 + (s % 8)
        # The next MR (every 18th or later) with more than k references, so one is left unseen.
        at = max(at, s * 18)
        while len(dev[at][1]) <= k:
            at += 1
        mr, refs = dev[at]
        at += 1
        kept = refs[:k]
        kind = KINDS[s % len(KINDS)]
        if s >= 30 - len(SPECIAL):
            hyp, kind = SPECIAL[s - (30 - len(SPECIAL))], 'special'
        elif kind == 'identical':
            hyp = kept[0]
        elif kind == 'unseen':
            hyp = refs[k] if len(refs) > k else perturb(kept[-1], all_words, rng, 'drop')
        else:
            hyp = perturb(kept[rng.randrange(len(kept))], all_words, rng, kind)
        hyps.append(hyp)
        refsets.append(kept)
        kinds.append(kind)
    return hyps, refsets, kinds


def main():
    global FUNCTION
    ap = argparse.ArgumentParser()
    ap.add_argument('--dev-sanity', action='store_true', help='score reference 0 against the others on the real dev set')
    args = ap.parse_args()
    FUNCTION = function_words()
    assert 'the' in FUNCTION and "n't" in FUNCTION and len(FUNCTION) > 150, len(FUNCTION)
    dev = read_dev()
    os.makedirs(FIXTURES, exist_ok=True)
    if args.dev_sanity:
        hyps = [refs[0] for _, refs in dev]
        refsets = [refs[1:] for _, refs in dev]
        scores, _, _ = score_all(hyps, refsets)
        out = {k: scores[k] for k in ('bleu', 'nist', 'meteor', 'rougeL', 'cider')}
        out['segments'] = len(hyps)
        with open(os.path.join(FIXTURES, 'dev-sanity-golden.json'), 'w') as fh:
            json.dump(out, fh, indent=1)
        print(json.dumps(out, indent=1))
        return
    hyps, refsets, kinds = build_fixture(dev)
    scores, th, tr = score_all(hyps, refsets)
    with open(os.path.join(FIXTURES, 'metrics-fixture.json'), 'w') as fh:
        json.dump({'source': 'E2E devset.csv (CC BY-SA 4.0, Novikova, Dusek & Rieser 2017): about every 18th MR, '
                             'its first k references (k = 1..8); hypotheses are perturbed references',
                   'kinds': kinds, 'hypotheses': hyps, 'references': refsets}, fh, indent=1, ensure_ascii=False)
    golden = dict(scores)
    golden['tokens'] = {'hypotheses': th, 'references': tr}
    golden['generator'] = 'packages/lora/scripts/e2e_metrics_golden.py (Python %s, nltk PorterStemmer MARTIN_EXTENSIONS)' % sys.version.split()[0]
    with open(os.path.join(FIXTURES, 'metrics-golden.json'), 'w') as fh:
        json.dump(golden, fh, separators=(',', ':'), ensure_ascii=False)
    # Stems of the train+dev vocabulary (METEOR tokens), from nltk.
    texts = [r for _, refs in dev for r in refs]
    with open(os.path.join(DATA, 'trainset.csv'), newline='', encoding='utf-8') as fh:
        texts += [ref for _mr, ref in list(csv.reader(fh))[1:]]
    vocab = sorted({w for t in set(texts) for w in all_tokens(t)['meteor']})
    with open(os.path.join(FIXTURES, 'porter-golden.json'), 'w') as fh:
        json.dump({'mode': 'MARTIN_EXTENSIONS', 'stems': {w: stem(w) for w in vocab}}, fh, ensure_ascii=False)
    print(json.dumps({k: scores[k] for k in ('bleu', 'bleuLongSegments', 'bleuLongSegmentsNltk', 'nist', 'meteor', 'rougeL', 'cider')}, indent=1))
    print('vocabulary stems:', len(vocab))


if __name__ == '__main__':
    main()

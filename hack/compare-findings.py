#!/usr/bin/env python3
"""Compare the findings of two irsa-doctor binaries over every scenario
folder and example: `analyze -o json --show-passed` on each, matched by
(check, status, subject), and a summary of what was added, removed or
changed. Used to show that a refactoring changes no behaviour but what it
means to.

    git worktree add /tmp/old REV && (cd /tmp/old && go build -o /tmp/irsa-doctor-old ./cmd/irsa-doctor)
    go build -o /tmp/irsa-doctor-new ./cmd/irsa-doctor
    hack/compare-findings.py /tmp/irsa-doctor-old /tmp/irsa-doctor-new [REV]

With REV, only the scenario folders that exist at REV are compared.
"""
import collections, glob, json, os, subprocess, sys

def folders(root, rev):
    out = []
    for d in sorted(glob.glob(os.path.join(root, 'internal/check/testdata/scenarios/*/'))):
        name = os.path.basename(d.rstrip('/'))
        if rev and subprocess.run(['git', '-C', root, 'cat-file', '-e',
                f'{rev}:internal/check/testdata/scenarios/{name}/want.txt'], capture_output=True).returncode:
            continue
        out.append(d)
    return out + sorted(glob.glob(os.path.join(root, 'examples/*/')))

def analyze(binary, d):
    flags = []
    want = os.path.join(d, 'want.txt')
    if os.path.exists(want):
        for line in open(want):
            if line.startswith('#! '):
                flags = line[3:].split()
    files = [os.path.join(d, f) for f in sorted(os.listdir(d)) if f != 'want.txt']
    r = subprocess.run([binary, 'analyze', *files, *flags, '-o', 'json', '--show-passed', '--fail-on', 'none'],
                       capture_output=True, text=True, env=dict(os.environ, NO_COLOR='1'))
    if r.returncode != 0:
        sys.exit(f'{binary} analyze {d}: exit {r.returncode}: {r.stderr.strip()}')
    return json.loads(r.stdout)

def key(f):
    s = f['subject']
    return (f['checkId'], f['status'], s.get('kind'), s.get('namespace'), s.get('name'), s.get('container', ''))

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    rev = sys.argv[3] if len(sys.argv) > 3 else ''
    root = subprocess.run(['git', 'rev-parse', '--show-toplevel'], capture_output=True, text=True).stdout.strip()
    cats, where = collections.Counter(), collections.defaultdict(list)
    dirs = folders(root, rev)
    counts = [0, 0]
    for d in dirs:
        a, b = analyze(old, d), analyze(new, d)
        name = os.path.basename(d.rstrip('/'))
        fa, fb = {key(f): f for f in a['findings']}, {key(f): f for f in b['findings']}
        counts[0] += len(fa); counts[1] += len(fb)
        for k in sorted(set(fa) | set(fb), key=str):
            x, y = fa.get(k), fb.get(k)
            if x == y:
                continue
            if x and y:
                cat = f'changed {k[0]} ' + ','.join(sorted(f for f in set(x) | set(y) if x.get(f) != y.get(f)))
            else:
                cat = f"{'removed' if x else 'added'} {k[0]} {k[1]}"
            cats[cat] += 1
            where[cat].append(f"{name}: {' '.join(str(p) for p in k[2:] if p)}")
        ta = {(t['kind'], t['namespace'], t['name']): t for t in a['targets']}
        tb = {(t['kind'], t['namespace'], t['name']): t for t in b['targets']}
        for k in sorted(set(ta) | set(tb)):
            x, y = ta.get(k, {}), tb.get(k, {})
            if x != y:
                cat = 'target ' + ','.join(sorted(f for f in set(x) | set(y) if x.get(f) != y.get(f)))
                cats[cat] += 1
                where[cat].append(f"{name}: {'/'.join(k)}")
    print(f'{len(dirs)} folders; findings: {counts[0]} before, {counts[1]} after')
    for cat, n in sorted(cats.items(), key=lambda c: (-c[1], c[0])):
        print(f'{n:5d} {cat}')
        for w in where[cat]:
            print(f'        {w}')
    if not cats:
        print('no difference')

if __name__ == '__main__':
    main()

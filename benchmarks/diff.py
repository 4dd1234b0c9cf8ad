"""Clause diff of two 100-clause versions (target: median < 20 ms).

Version 2 inserts 3 clauses (renumbering everything after them), deletes 2, edits the
figures of 5 and rewrites 2: the matching, inline diff and figure extraction all run.
"""

from __future__ import annotations

import random
import statistics
import time

from tracker.core.diff import diff_documents
from tracker.core.model import Clause, PolicyDocument

PHRASES = [
    "支持企业、高校、科研院所等承担国家、省重点科技专项",
    "按企业年度研发投入总量或增量给予分档分类支持",
    "对首次上规纳统的企业，给予不超过 20 万元一次性奖励",
    "按不高于三项投资总额 30%的标准给予补助",
    "单个项目最高补助 500 万元",
    "鼓励社会资本共同投资类脑智能科创项目",
    "政策期内最多可连续支持三年",
    "（责任单位：市经信局、市科技局）",
]


def make_version(rng: random.Random, clauses: int) -> PolicyDocument:
    items = []
    for index in range(clauses):
        text = "，".join(rng.choice(PHRASES) for _ in range(6)) + f"，编号{index}。"
        items.append(Clause(f"{index // 10 + 1}/（{index % 10 + 1}）", text))
    return PolicyDocument(title="若干措施", clauses=items)


def renumber(clauses: list[Clause]) -> list[Clause]:
    return [Clause(f"{i // 10 + 1}/（{i % 10 + 1}）", c.text) for i, c in enumerate(clauses)]


def edited(old: PolicyDocument, rng: random.Random) -> PolicyDocument:
    texts = [c.text for c in old.clauses]
    for index in rng.sample(range(len(texts)), 5):
        texts[index] = texts[index].replace("500 万元", "300 万元").replace("30%", "25%") + "另行规定。"
    for index in rng.sample(range(len(texts)), 2):
        texts[index] = "本条款已全部改写为新的内容，涉及算力券和首台（套）产品的推广应用。"
    for index in sorted(rng.sample(range(len(texts)), 2), reverse=True):
        del texts[index]
    for index in rng.sample(range(len(texts)), 3):
        texts.insert(index, f"新增条款{index}：支持脑机接口医疗器械注册，每个产品最高奖励 100 万元。")
    return old.replace(clauses=renumber([Clause("", t) for t in texts]))


def main() -> None:
    rng = random.Random(7)
    old = make_version(rng, 100)
    new = edited(old, rng)
    timings = []
    cpu_timings = []
    for _ in range(30):
        start = time.perf_counter()
        cpu_start = time.process_time()
        result = diff_documents(old, new, from_version=1, to_version=2)
        timings.append((time.perf_counter() - start) * 1000)
        cpu_timings.append((time.process_time() - cpu_start) * 1000)
    print(f"diff 100 clauses: {result.summary()}")
    print(
        f"diff median {statistics.median(timings):.1f} ms (target < 20 ms), max {max(timings):.1f} ms; "
        f"CPU time median {statistics.median(cpu_timings):.1f} ms (independent of other load on the machine)"
    )


if __name__ == "__main__":
    main()

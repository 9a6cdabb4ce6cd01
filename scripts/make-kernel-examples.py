#!/usr/bin/env python3
"""Writes the example workflows of the real backend's builtin kernels and commands
(examples/workflows/{gemm,tree-reduction,wordcount,command-pipeline}.json).

The work_s figures are the kernels' median execution times on the development machine, otherwise
idle (2026-12-07: 3 dagrun runs under each of the five planners, after the workers kept their
freed memory, decision 0011); output_bytes are the outputs'
exact sizes where the kernel fixes them (matrix blocks: 16 + 8 x rows x cols bytes) and an
estimate where the data decides (word counts, command outputs)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "examples", "workflows")
TEXT = os.path.join(HERE, "..", "examples", "data", "text.txt")


def block_bytes(rows, cols):
    return 16 + 8 * rows * cols


def write(name, doc):
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        f.write('{\n  "format": "dagplan-workflow/1",\n')
        f.write('  "name": %s,\n' % json.dumps(doc["name"]))
        f.write('  "description": %s,\n' % json.dumps(doc["description"]))
        f.write('  "tasks": [\n')
        f.write(",\n".join("    " + json.dumps(t) for t in doc["tasks"]))
        f.write("\n  ]\n}\n")
    print("wrote", os.path.relpath(path), len(doc["tasks"]), "tasks", file=sys.stderr)


def gemm(n_blocks=2, b=256):
    tasks = []
    seed = 1
    for m in ("a", "b"):
        for i in range(n_blocks):
            for k in range(n_blocks):
                tasks.append({"id": f"{m}_{i}_{k}", "function": "matrix", "kernel": "matrix",
                              "args": {"rows": b, "cols": b, "seed": seed}, "work_s": 0.0006,
                              "output_bytes": block_bytes(b, b), "deps": []})
                seed += 1
    for i in range(n_blocks):
        for j in range(n_blocks):
            for k in range(n_blocks):
                tasks.append({"id": f"m_{i}_{j}_{k}", "function": "matmul", "kernel": "matmul",
                              "args": {"left": f"a_{i}_{k}", "right": f"b_{k}_{j}"},
                              "work_s": 0.0041, "output_bytes": block_bytes(b, b),
                              "deps": [f"a_{i}_{k}", f"b_{k}_{j}"]})
    for i in range(n_blocks):
        for j in range(n_blocks):
            tasks.append({"id": f"c_{i}_{j}", "function": "add", "kernel": "add",
                          "work_s": 0.00013, "output_bytes": block_bytes(b, b),
                          "deps": [f"m_{i}_{j}_{k}" for k in range(n_blocks)]})
    write("gemm", {"name": "gemm",
                   "description": f"C = A x B for {n_blocks * b} x {n_blocks * b} matrices in "
                   f"{n_blocks} x {n_blocks} blocks of {b} x {b}: seeded random blocks "
                   "(kernel matrix), block products with Eigen (matmul), sums of the products "
                   "(add). c_i_j is block (i, j) of C.",
                   "tasks": tasks})


def tree_reduction(leaves=16, values=131072):
    tasks = [{"id": f"leaf_{i}", "function": "matrix", "kernel": "matrix",
              "args": {"rows": 1, "cols": values, "seed": 100 + i}, "work_s": 0.0012,
              "output_bytes": block_bytes(1, values), "deps": []} for i in range(leaves)]
    level, names = 0, [f"leaf_{i}" for i in range(leaves)]
    while len(names) > 1:
        level += 1
        nxt = []
        for k in range(0, len(names), 2):
            name = f"sum_{level}_{k // 2}"
            tasks.append({"id": name, "function": "sum", "kernel": "sum",
                          "work_s": 0.00032 if level == 1 else 0.000005,
                          "output_bytes": block_bytes(1, 1), "deps": names[k:k + 2]})
            nxt.append(name)
        names = nxt
    write("tree-reduction", {"name": "tree-reduction",
                             "description": f"The sum of {leaves} x {values} seeded random "
                             "values: leaf blocks (kernel matrix), then a binary tree of sums "
                             "(kernel sum).",
                             "tasks": tasks})


def wordcount(parts=4):
    size = os.path.getsize(TEXT)
    tasks = [{"id": f"map_{i}", "function": "wordcount_map", "kernel": "wordcount_map",
              "input_file": "../data/text.txt", "args": {"part": i, "parts": parts},
              "work_s": 0.00005, "input_bytes": size, "output_bytes": 2500, "deps": []}
             for i in range(parts)]
    half = parts // 2
    tasks.append({"id": "reduce_0", "function": "wordcount_reduce", "kernel": "wordcount_reduce",
                  "work_s": 0.00014, "output_bytes": 3500,
                  "deps": [f"map_{i}" for i in range(half)]})
    tasks.append({"id": "reduce_1", "function": "wordcount_reduce", "kernel": "wordcount_reduce",
                  "work_s": 0.00014, "output_bytes": 3500,
                  "deps": [f"map_{i}" for i in range(half, parts)]})
    tasks.append({"id": "counts", "function": "wordcount_reduce", "kernel": "wordcount_reduce",
                  "work_s": 0.00014, "output_bytes": 4500, "deps": ["reduce_0", "reduce_1"]})
    write("wordcount", {"name": "wordcount",
                        "description": f"Word counts of examples/data/text.txt: {parts} parts "
                        "counted (wordcount_map), merged in a tree (wordcount_reduce).",
                        "tasks": tasks})


def command_pipeline():
    size = os.path.getsize(TEXT)
    tasks = [
        {"id": "words", "command": "tr -cs 'A-Za-z' '\\n' < {input} | tr 'A-Z' 'a-z' > {output}",
         "input_file": "../data/text.txt", "work_s": 0.015, "input_bytes": size,
         "output_bytes": size, "deps": []},
        {"id": "sorted", "command": "sort {inputs} > {output}", "work_s": 0.010,
         "output_bytes": size, "deps": ["words"]},
        {"id": "counts", "command": "uniq -c {inputs} | sort -k1,1nr -k2,2 > {output}",
         "work_s": 0.0156, "output_bytes": 4000, "deps": ["sorted"]},
        {"id": "top", "command": "head -n 10 {inputs} > {output}", "work_s": 0.0092,
         "output_bytes": 200, "deps": ["counts"]},
        {"id": "total", "command": "grep -c . {inputs} > {output}", "work_s": 0.0104,
         "output_bytes": 8, "deps": ["words"]},
    ]
    write("command-pipeline", {"name": "command-pipeline",
                               "description": "Shell commands over examples/data/text.txt: one "
                               "word per line, sorted, counted, the ten most frequent, and the "
                               "number of words.",
                               "tasks": tasks})


if __name__ == "__main__":
    gemm()
    tree_reduction()
    wordcount()
    command_pipeline()

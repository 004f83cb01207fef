#!/usr/bin/env python3
"""Expected TinyAgent metric results for EdgePlan's MetricVectorTests.

Writes Tests/Fixtures/metric/vectors.json (gold/pred plan pairs with success rate, graph edit
distance, evaluate_plan accuracy, tool recall, or the exception the reference raised) and
Tests/Fixtures/metric/literal_eval.json (argument texts and what TinyAgent's argument parser returns).

The metric functions below are copied verbatim from SqueezeAILab/TinyAgent @ 0074615 (MIT):
src/utils/plan_utils.py (parse_plan, _parse_llm_compiler_action_args, get_parsed_planner_output,
evaluate_plan, evaluate_tool_recall), src/utils/graph_utils.py (build_graph, node_match,
compare_graphs_with_success_rate, compare_graphs_with_edit_distance), src/utils/data_utils.py
(PlanStepToolName, PlanStep). Only the langchain Task object is replaced by a stub with the same fields.

Pinned: Python 3.11+ (tested 3.13), networkx 3.6.1 (the version reference/tinyagent.md §5 used).
Command (from the repository root):
    /work/venv/bin/python Tests/Fixtures/gen_metric_vectors.py     # or: python3 Tests/Fixtures/gen_metric_vectors.py
Deterministic: random.Random(20240501). Swift tests read only the JSON; CI needs no Python.
"""
import ast
import json
import random
import re
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import networkx as nx

# ---------------------------------------------------------------- data_utils.py (verbatim parts)


class PlanStepToolName(Enum):
    GET_PHONE_NUMBER = "get_phone_number"
    GET_EMAIL_ADDRESS = "get_email_address"
    CREATE_CALENDAR_EVENT = "create_calendar_event"
    OPEN_AND_GET_FILE_PATH = "open_and_get_file_path"
    SUMMARIZE_PDF = "summarize_pdf"
    COMPOSE_NEW_EMAIL = "compose_new_email"
    REPLY_TO_EMAIL = "reply_to_email"
    FORWARD_EMAIL = "forward_email"
    MAPS_OPEN_LOCATION = "maps_open_location"
    MAPS_SHOW_DIRECTIONS = "maps_show_directions"
    CREATE_NOTE = "create_note"
    OPEN_NOTE = "open_note"
    APPEND_NOTE_CONTENT = "append_note_content"
    CREATE_REMINDER = "create_reminder"
    SEND_SMS = "send_sms"
    GET_ZOOM_MEETING_LINK = "get_zoom_meeting_link"
    JOIN = "join"


@dataclass
class PlanStep:
    tool_name: PlanStepToolName
    tool_args: dict[str, Any]

    def serialize(self) -> dict[str, Any]:
        return {
            "tool_name": (
                self.tool_name.value
                if isinstance(self.tool_name, PlanStepToolName)
                else "join"
            ),
            "tool_args": self.tool_args,
        }


@dataclass
class Task:  # stub of src/llm_compiler/task_fetching_unit.Task (fields used by parse_plan)
    idx: int
    name: str
    tool: Any
    args: Any
    dependencies: Any
    stringify_rule: Any
    thought: Any
    is_join: bool


# ---------------------------------------------------------------- plan_utils.py (verbatim parts)

THOUGHT_PATTERN = r"Thought: ([^\n]*)"
ACTION_PATTERN = r"\s*\n*(\d+)\. (\w+)\((.*)\)(\s*#\w+\n)?"


def _parse_llm_compiler_action_args(args: str) -> Any:
    if args == "":
        return ()
    try:
        args = ast.literal_eval(args)
    except:  # noqa: E722 (verbatim)
        args = args
    if not isinstance(args, list) and not isinstance(args, tuple):
        args = (args,)  # type: ignore
    return args


def parse_plan(plan: str) -> dict[int, Any]:
    pattern = rf"(?:{THOUGHT_PATTERN}\n)?{ACTION_PATTERN}"
    matches = re.findall(pattern, plan)
    graph_dict = {}
    for match in matches:
        _, idx, tool_name, args, _ = match
        idx = int(idx)
        task = Task(idx=idx, name=tool_name, tool=lambda x: None, args=_parse_llm_compiler_action_args(args),
                    dependencies=[], stringify_rule=None, thought=None, is_join=tool_name == "join")
        graph_dict[idx] = task
        if task.is_join:
            break
    return graph_dict


def get_parsed_planner_output(tasks: dict[int, Any]) -> list[PlanStep]:
    steps: list[PlanStep] = []
    try:
        for _, task in tasks.items():
            step = PlanStep(tool_name=(PlanStepToolName(task.name)), tool_args=task.args)
            steps.append(step)
    except Exception:
        pass  # the original prints "Tool hallucination error"
    return steps


def get_parsed_planner_output_from_raw(raw_answer: str) -> list[PlanStep]:
    return get_parsed_planner_output(parse_plan(raw_answer))


def evaluate_plan(label_plan, predicted_plan) -> float:
    correct = 0
    for label_step, predicted_step in zip(label_plan, predicted_plan):
        if label_step.tool_name == predicted_step.tool_name:
            correct += 1
    return correct / len(label_plan)


def evaluate_tool_recall(label_plan, predicted_plan) -> float:
    label_set = set([step.tool_name for step in label_plan])
    predicted_set = set([step.tool_name for step in predicted_plan])
    correct = len(label_set.intersection(predicted_set))
    return correct / len(label_set)


# ---------------------------------------------------------------- graph_utils.py (verbatim)

DEPENDENCY_REGEX = r"\$\d+"


def check_for_dependency(item: str) -> str | None:
    match = re.search(DEPENDENCY_REGEX, item)
    if match:
        return match.group()
    return None


def build_graph(plan: list[PlanStep]) -> nx.DiGraph:
    function_calls = [step.serialize() for step in plan]
    graph = nx.DiGraph()

    def add_new_dependency_edge(*, node_name: str, dependency: str):
        dependency_index = int(dependency[1:]) - 1
        dependency_func = function_calls[dependency_index]
        dependency_node_name = f"{dependency_index+1}: {dependency_func['tool_name']}"
        graph.add_edge(dependency_node_name, node_name)
        return dependency_func, dependency_node_name

    def add_dependencies(dependencies: list[Any], node_name: str):
        nested_deps = []
        for dep in dependencies:
            if isinstance(dep, list):
                for item in dep:
                    if isinstance(item, str) and (item := check_for_dependency(item)) is not None:
                        dependency_func, dependency_node_name = add_new_dependency_edge(node_name=node_name, dependency=item)
                        if dependency_node_name == node_name:
                            raise ValueError("Circular dependency detected. The tool is dependent on itself, which is not allowed.")
                        dep_dict = {
                            "tool_name": dependency_func["tool_name"],
                            "dependencies": (add_dependencies(dependency_func["tool_args"], dependency_node_name)
                                             if dependency_node_name != node_name else []),
                        }
                        nested_deps.append(dep_dict)
            elif isinstance(dep, str) and (dep := check_for_dependency(dep)) is not None:
                dependency_func, dependency_node_name = add_new_dependency_edge(node_name=node_name, dependency=dep)
                if dependency_node_name == node_name:
                    raise ValueError("Circular dependency detected. The tool is dependent on itself, which is not allowed.")
                dep_dict = {
                    "tool_name": dependency_func["tool_name"],
                    "dependencies": (add_dependencies(dependency_func["tool_args"], dependency_node_name)
                                     if dependency_node_name != node_name else []),
                }
                nested_deps.append(dep_dict)
        return nested_deps

    for index, func in enumerate(function_calls):
        node_name = f"{index+1}: {func['tool_name']}"
        graph.add_node(node_name, tool_name=func["tool_name"], tool_args=func["tool_args"])
        dependencies = add_dependencies(func["tool_args"], node_name)
        graph.nodes[node_name]["dependencies"] = dependencies
    return graph


def node_match(n1: dict, n2: dict) -> bool:
    if n1["tool_name"] != n2["tool_name"]:
        return False

    def compare_dependencies(d1, d2):
        if len(d1) != len(d2):
            return False
        for item1, item2 in zip(sorted(d1, key=lambda x: x["tool_name"]), sorted(d2, key=lambda x: x["tool_name"])):
            if not (item1["tool_name"] == item2["tool_name"]
                    and compare_dependencies(item1["dependencies"], item2["dependencies"])):
                return False
        return True

    return compare_dependencies(n1["dependencies"], n2["dependencies"])


def compare_graphs_with_success_rate(graph1, graph2) -> float:
    if nx.is_isomorphic(graph1, graph2, node_match=node_match):
        return 1.0
    return 0.0


def compare_graphs_with_edit_distance(graph1, graph2) -> float:
    f_node_match = lambda n1, n2: node_match(n1, n2)  # noqa: E731 (verbatim)
    if nx.is_isomorphic(graph1, graph2, node_match=f_node_match):
        return 0.0
    ged = nx.graph_edit_distance(graph1, graph2, node_match=f_node_match, timeout=10)
    return ged


# ---------------------------------------------------------------- evaluation driver (ours)


def evaluate(label: str, pred: str) -> dict:
    """One pair as a third-party driver scores it; exceptions are recorded (the Swift side scores them 0)."""
    label_steps = get_parsed_planner_output_from_raw(label)
    pred_steps = get_parsed_planner_output_from_raw(pred)
    out = {
        "acc": evaluate_plan(label_steps, pred_steps),
        "recall": evaluate_tool_recall(label_steps, pred_steps),
        "pred_tools": [s.serialize()["tool_name"] for s in pred_steps],
    }
    g_label = build_graph(label_steps)  # gold plans here always build
    try:
        g_pred = build_graph(pred_steps)
        out["sr"] = compare_graphs_with_success_rate(g_pred, g_label)
        ged = compare_graphs_with_edit_distance(g_pred, g_label)
        # Exactness check: the 10 s timeout must not have cut the search short.
        exact = 0.0 if ged == 0 else nx.graph_edit_distance(g_pred, g_label, node_match=node_match)
        assert ged == exact, (label, pred, ged, exact)
        out["ged"] = int(ged)
        out["exception"] = None
    except Exception as e:  # noqa: BLE001 - "any exception scores 0"
        out["sr"] = 0.0
        out["ged"] = None
        out["exception"] = type(e).__name__
    return out


L1 = """1. get_email_address("Sid")
2. get_email_address("Lutfi")
3. create_calendar_event("Meeting", "2024-05-01 14:00:00", "2024-05-01 15:00:00", "", ["$1", "$2"], "", None)
4. join()"""


def appendix_b() -> list[tuple[str, str, str]]:
    """reference/tinyagent.md Appendix B, as (name, label, prediction)."""
    cal = '3. create_calendar_event("Meeting", "2024-05-01 14:00:00", "2024-05-01 15:00:00", "", ["$1", "$2"], "", None)'
    em = '1. get_email_address("Sid")\n'
    c = []
    c.append(("B identical", L1, L1))
    c.append(("B different arg values", L1, L1.replace('"Meeting", "2024-05-01 14:00:00"', '"Sync", "2024-06-02 09:30:00"')))
    c.append(("B swapped independent steps", L1,
              '1. get_email_address("Lutfi")\n2. get_email_address("Sid")\n' + cal.replace('["$1", "$2"]', '["$2", "$1"]') + "\n4. join()"))
    c.append(("B thought lines", L1,
              'Thought: I need the addresses.\n' + L1.replace("3. create", "Thought: Now create the event.\n3. create")))
    c.append(("B literal instead of ref", L1, L1.replace('["$1", "$2"]', '["sid@x.com", "$2"]')))
    c.append(("B wrong tool", L1, L1.replace("3. create_calendar_event", "3. compose_new_email")))
    c.append(("B missing join", L1, L1.replace("\n4. join()", "")))
    c.append(("B hallucinated tool", L1, L1.replace("2. get_email_address", "2. get_contact")))
    c.append(("B extra step", L1, L1.replace("4. join()", '4. maps_open_location("x")\n5. join()')))
    lab = em + '2. compose_new_email(["$1"], [], "s", "c", [])\n3. join()'
    c.append(("B same $1 twice", lab, lab.replace('(["$1"], []', '(["$1"], ["$1"]')))
    c.append(("B same $1 in list and string", lab, lab.replace('(["$1"], [], "s", "c", [])', '(["$1"], [], "s", "$1", [])')))
    lab2 = em + '2. get_email_address("Lutfi")\n3. create_note("n", "$1 $2", "")\n4. join()'
    c.append(("B two refs in one string", lab2, lab2.replace('"$1 $2"', '"$1"')))
    lab3 = ('1. open_and_get_file_path("a.pdf")\n2. summarize_pdf("$1")\n3. create_note("n", "$2", "")\n4. join()')
    c.append(("B nested dependency differs", lab3, lab3.replace('create_note("n", "$2", "")', 'create_note("n", "$1", "")')))
    lab4 = '1. create_note("n", "c", "")\n2. join()'
    c.append(("B named args", lab4, '1. create_note(name="n", content="c", folder="")\n2. join()'))
    lab5 = em + "2. join()"
    c.append(("B join with ref", lab5, em + '2. join("$1")'))
    lab6 = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "hi")\n3. join()'
    c.append(("B braces", lab6, lab6.replace('["$1"]', '["${1}"]')))
    c.append(("B scalar vs list", lab6, lab6.replace('["$1"]', '"$1"')))
    c.append(("B ref inside tuple", lab6, lab6.replace('["$1"]', '("$1",)')))
    c.append(("B text after join", lab5, lab5 + '\n3. maps_open_location("x")'))
    lab7 = ('1. open_and_get_file_path("a.pdf")\n2. summarize_pdf("$1")\n3. summarize_pdf("/x.pdf")\n'
            '4. compose_new_email(["$2", "$3"], [], "s", "c", [])\n5. join()')
    c.append(("B tie order", lab7, lab7.replace('["$2", "$3"]', '["$3", "$2"]')))
    c.append(("B renumbered same arg order", lab7,
              '1. summarize_pdf("/x.pdf")\n2. open_and_get_file_path("a.pdf")\n3. summarize_pdf("$2")\n'
              '4. compose_new_email(["$3", "$1"], [], "s", "c", [])\n5. join()'))
    c.append(("B self reference", lab5, '1. get_email_address("$1")\n2. join()'))
    c.append(("B out-of-range ref", lab5, '1. get_email_address("$5")\n2. join()'))
    c.append(("B $0", lab5, '1. get_email_address("$0")\n2. join()'))
    return c


def issue_cases() -> list[tuple[str, str, str]]:
    """Hand-built pairs from issue 7's acceptance list, plus parser corner cases."""
    c = []
    fan = ('1. get_email_address("Ann")\n2. get_phone_number("Bob")\n3. maps_open_location("Paris")\n'
           '4. compose_new_email(["$1"], [], "Hi", "", [])\n5. send_sms(["$2"], "hi")\n6. join()')
    c.append(("reordered independent steps", fan,
              '1. maps_open_location("Paris")\n2. get_phone_number("Bob")\n3. send_sms(["$2"], "hi")\n'
              '4. get_email_address("Ann")\n5. compose_new_email(["$4"], [], "Hi", "", [])\n6. join()'))
    c.append(("swapped dependencies", fan, fan.replace('(["$1"], [], "Hi"', '(["$2"], [], "Hi"').replace('send_sms(["$2"]', 'send_sms(["$1"]')))
    chain = '1. open_and_get_file_path("r.pdf")\n2. summarize_pdf("$1")\n3. create_note("Summary", "$2", "")\n4. join()'
    c.append(("same tools chain vs fan-out", chain, chain.replace('summarize_pdf("$1")', 'summarize_pdf("/r.pdf")')))
    c.append(("same tools different structure", chain,
              '1. open_and_get_file_path("r.pdf")\n2. summarize_pdf("$1")\n3. create_note("Summary", "$1", "")\n4. join()'))
    dup = '1. get_email_address("Ann")\n2. get_email_address("Bob")\n3. get_email_address("Cy")\n' \
          '4. compose_new_email(["$1", "$2"], ["$3"], "s", "", [])\n5. join()'
    c.append(("duplicate tools identical", dup, dup))
    c.append(("duplicate tools permuted", dup, dup.replace('["$1", "$2"], ["$3"]', '["$3", "$1"], ["$2"]')))
    c.append(("duplicate tools one missing", dup, dup.replace('3. get_email_address("Cy")\n', '').replace('["$3"]', '[]').replace("5. join", "4. join").replace("4. compose", "3. compose")))
    c.append(("join only identical", "1. join()", "1. join()"))
    c.append(("join only vs empty", "1. join()", ""))
    c.append(("join only vs one step", "1. join()", '1. maps_open_location("x")\n2. join()'))
    c.append(("one step vs join only", '1. maps_open_location("x")\n2. join()', "1. join()"))
    c.append(("end marker on join line", chain, chain + "<END_OF_PLAN>"))
    c.append(("end marker own line", chain, chain + "\n<END_OF_PLAN>"))
    c.append(("repeated index overwrites", chain, chain.replace("2. summarize_pdf", "2. maps_open_location(\"x\")\n2. summarize_pdf")))
    c.append(("comment after step", chain, chain.replace('("r.pdf")', '("r.pdf") #find\n')))
    c.append(("splatted lone list", '1. maps_open_location("a")\n2. join()', '1. maps_open_location(["a", "$1"])\n2. join()'))
    c.append(("blank lines and indentation", chain, "\n\n   " + chain.replace("\n", "\n\n  ")))
    c.append(("cycle", chain, chain.replace('open_and_get_file_path("r.pdf")', 'open_and_get_file_path("$2")')))
    c.append(("forward reference", chain, '1. summarize_pdf("$2")\n2. open_and_get_file_path("r.pdf")\n3. create_note("S", "$1", "")\n4. join()'))
    money = '1. get_phone_number("Al")\n2. send_sms(["$1"], "pay 5 dollars")\n3. join()'
    c.append(("money amount out of range", money, money.replace("5 dollars", "$5")))
    c.append(("money amount as extra ref", money, money.replace("5 dollars", "$1")))
    c.append(("unicode digits", lab_sms := '1. get_phone_number("Al")\n2. send_sms(["$1"], "hi")\n3. join()', lab_sms.replace('["$1"]', '["$\u0661"]')))
    c.append(("no space after dot", lab_sms, lab_sms.replace("2. send", "2.send")))
    c.append(("two calls on one line", lab_sms, lab_sms.replace('\n2. send_sms(["$1"], "hi")', ' 2. send_sms(["$1"], "hi")')))
    return c


TOOLS = [t.value for t in PlanStepToolName if t.value != "join"]


def random_plan(rng: random.Random, n_steps: int) -> list[tuple[str, list[str]]]:
    """A plan as (tool, [argument texts]); arguments may hold $N references to earlier steps."""
    steps = []
    for i in range(1, n_steps + 1):
        tool = rng.choice(TOOLS[:6]) if rng.random() < 0.5 else rng.choice(TOOLS)
        args = []
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if i > 1 and r < 0.35:
                args.append(f'"${rng.randint(1, i - 1)}"')
            elif i > 1 and r < 0.6:
                refs = [f'"${rng.randint(1, i - 1)}"' for _ in range(rng.randint(1, 2))]
                args.append("[" + ", ".join(refs) + "]")
            elif r < 0.75:
                args.append("[]")
            else:
                args.append(f'"v{rng.randint(0, 99)}"')
        steps.append((tool, args))
    return steps


def render(steps) -> str:
    lines = [f"{i}. {t}({', '.join(a)})" for i, (t, a) in enumerate(steps, start=1)]
    return "\n".join(lines + [f"{len(steps) + 1}. join()"])


def renumber(steps, rng: random.Random):
    """A random topological reordering with every $N rewritten: the same DAG, new numbering."""
    n = len(steps)
    deps = [set(int(m) for m in re.findall(r"\$(\d+)", " ".join(a))) for _, a in steps]
    order, placed = [], set()
    while len(order) < n:
        ready = [i for i in range(1, n + 1) if i not in placed and deps[i - 1] <= placed]
        pick = rng.choice(ready)
        order.append(pick)
        placed.add(pick)
    new_of = {old: new for new, old in enumerate(order, start=1)}
    out = []
    for old in order:
        t, a = steps[old - 1]
        out.append((t, [re.sub(r"\$(\d+)", lambda m: f"${new_of[int(m.group(1))]}", x) for x in a]))
    return out


def mutate(steps, rng: random.Random) -> tuple[str, list]:
    steps = [(t, list(a)) for t, a in steps]
    kind = rng.choice(["tool", "drop", "add", "ref", "literal", "swapargs", "renumber", "dupref", "tuple", "brace"])
    i = rng.randrange(len(steps))
    t, a = steps[i]
    if kind == "tool":
        steps[i] = (rng.choice(TOOLS), a)
    elif kind == "drop" and len(steps) > 1:
        # drop the last step (keeps references valid)
        steps.pop()
    elif kind == "add":
        steps.append((rng.choice(TOOLS), [f'"${rng.randint(1, len(steps))}"']))
    elif kind == "ref" and i > 0:
        steps[i] = (t, a + [f'"${rng.randint(1, i)}"'])
    elif kind == "literal":
        steps[i] = (t, [re.sub(r"\$\d+", "x", x) for x in a])
    elif kind == "swapargs":
        steps[i] = (t, list(reversed(a)))
    elif kind == "renumber":
        steps = renumber(steps, rng)
    elif kind == "dupref" and i > 0:
        steps[i] = (t, a + [f'["${rng.randint(1, i)}", "${rng.randint(1, i)}"]'])
    elif kind == "tuple":
        steps[i] = (t, [x.replace("[", "(").replace("]", ",)") if x.startswith("[") and x != "[]" else x for x in a])
    elif kind == "brace":
        steps[i] = (t, [re.sub(r"\$(\d+)", r"${\1}", x) for x in a])
    return kind, steps


def generated(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    out = []
    for k in range(count):
        gold = random_plan(rng, rng.randint(1, 6))
        if k % 4 == 0:
            pred = renumber(gold, rng)
            kind = "renumber"
        else:
            kind, pred = mutate(gold, rng)
            if rng.random() < 0.3:
                kind2, pred = mutate(pred, rng)
                kind += "+" + kind2
        out.append((f"gen {k} {kind}", render(gold), render(pred)))
    return out


LITERALS = [
    '', '"Sid"', "'Sid'", '["$1"], "hi"', '["a","b"]', 'name="x"', '$1', '"a" "b", 1', '"x", None, True, -3, 2.5',
    '"a",', '("a")', '("a",)', '()', '[]', '{}', '{"a": 1}', '{"a", "b"}', '{["$1"]}', '{"k": ["$1"]}', 'set()',
    '"""tri"ple"""', "'''x'''", 'r"\\d$1"', 'b"bytes"', 'b"x" "y"', 'f"x{1}"', 'f"plain"', 'u"uni"', 'R"raw"', 'Rb"x"',
    '"\\x41\\u00e9\\U0001F600\\101"', '"\\d"', '"\\N{LATIN SMALL LETTER A}"', '"unterminated', "'mixed\"", '"a\\"b"',
    '-1', '+1', '--1', '-True', '1_000', '0x1F', '0o17', '0b101', '01', '00', '1.5e3', '.5', '5.', '1e', '1j', '1+2j',
    '1+2', '-1-2j', '1abc', '...', 'None', 'True, False', 'true', 'nan', '[1, [2, ("$3",)]]', '[1,]', '[,]', '(,)',
    '"a" # comment', '  "lead"', '"trail"  ', '\t"tab"', '[ "$1" ,\t"$2" ]', '"$1", ("$2", "$3")', '"a", b', 'x=1, y=2',
    '"a" + "b"', '["a"] + ["b"]', '("$1")', '(("$1"))', '-(1)', '-(1,)', '{1: 2, 3: 4,}', '{**{}}', '[*"ab"]', 'lambda: 1',
    '"$1" if True else "$2"', '"a"[0]', '"a".upper()', '"é", "中文", "😀"', '"a"\r', '1 2', '"a" "b" "c"', "'a' \"b\"",
    '"""a\n"""', '"a\\\n b"', '[1, 2', '"x")', '"a", , "b"', '9999999999999999999999', '-9223372036854775808', '0_0', '0x_1',
    '1__0', '1_', '2.5e-3j', '1e5', '1E+05', 'True False', '(1, 2)[0]', '[1][0]', '{"a"}', '{(1, [2])}', '{(1, 2)}',
]


def random_literals(rng: random.Random, count: int) -> list[str]:
    """Token soup around the argument grammar: mostly near-valid argument lists, some broken."""
    atoms = ['"$1"', "'$2'", '"a b"', '"x\\n"', '""', "None", "True", "False", "-3", "2.5", "1e3", "0x10", "[]", "()",
             '"$12 and $3"', "r'\\d'", 'b"b"', "x", "$1", "...", "{}", '"é"', "1_0", "07", "-0.0", '"q\\"q"']
    seps = [", ", ",", " , ", " ", ",  "]
    out = []
    for _ in range(count):
        def value(depth=0):
            r = rng.random()
            if depth < 2 and r < 0.2:
                inner = [value(depth + 1) for _ in range(rng.randint(0, 3))]
                o, c = rng.choice([("[", "]"), ("(", ")"), ("{", "}")])
                return o + rng.choice(seps).join(inner) + rng.choice(["", ","]) + c
            return rng.choice(atoms)
        parts = [value() for _ in range(rng.randint(1, 4))]
        text = rng.choice(seps).join(parts)
        if rng.random() < 0.1:
            k = rng.randrange(len(text) + 1)
            text = text[:k] + rng.choice(['"', "'", "(", "]", ",", "#", " ", "\\"]) + text[k:]
        out.append(text)
    return out


def literal_vectors() -> list[dict]:
    def enc(v):
        if isinstance(v, bool):
            return {"bool": v}
        if v is None:
            return {"none": None}
        if isinstance(v, str):
            return {"str": v}
        if isinstance(v, int):
            return {"int": v} if -2**63 <= v < 2**63 else {"bigint": str(v)}
        if isinstance(v, float):
            return {"float": v}
        if isinstance(v, list):
            return {"list": [enc(x) for x in v]}
        if isinstance(v, tuple):
            return {"tuple": [enc(x) for x in v]}
        return {"other": type(v).__name__}  # bytes, complex, set, dict, ellipsis
    out = []
    for text in LITERALS + random_literals(random.Random(7), 400):
        args = _parse_llm_compiler_action_args(text)
        out.append({"text": text, "args": [enc(a) for a in args]})
    return out


def main() -> None:
    root = Path(__file__).resolve().parent / "metric"
    root.mkdir(exist_ok=True)
    rng = random.Random(20240501)
    cases = appendix_b() + issue_cases() + generated(rng, 160)
    vectors = []
    for name, label, pred in cases:
        vectors.append({"name": name, "label": label, "pred": pred, **evaluate(label, pred)})
    header = {
        "generator": "Tests/Fixtures/gen_metric_vectors.py",
        "command": "python3 Tests/Fixtures/gen_metric_vectors.py",
        "python": sys.version.split()[0],
        "networkx": nx.__version__,
        "reference": "SqueezeAILab/TinyAgent @ 0074615 src/utils/{plan_utils,graph_utils}.py",
        "seed": 20240501,
        "note": "sr/ged = compare_graphs_with_*(pred, label); exception = type raised by build_graph or node_match (ged null)",
    }
    (root / "vectors.json").write_text(json.dumps({"header": header, "vectors": vectors}, indent=1, ensure_ascii=False) + "\n")
    (root / "literal_eval.json").write_text(
        json.dumps({"header": header, "vectors": literal_vectors()}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(vectors)} metric vectors and {len(LITERALS) + 400} literal vectors to {root}")


if __name__ == "__main__":
    main()

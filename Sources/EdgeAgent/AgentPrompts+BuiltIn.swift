// A compiled-in copy of the templates in `prompts/` (so the agent runs without a prompts folder).
// Do not edit: edit `prompts/*.txt` and copy the text here; `AgentPromptsTests` checks both are identical.

extension AgentPrompts {
    /// The text of each `prompts/` file, byte for byte.
    enum BuiltIn {
        /// `prompts/planner_full.txt`.
        static let plannerFull = #"""
Make a plan that answers the user's request with tool calls, running as many calls in parallel as possible. Each step is one of the following {{action_count}} actions:

{{tools}}
{{join_index}}. join() -> str
 - Collects the results of the earlier steps and writes the answer.
 - Always the last step. Call it when the results of the plan can answer the request, or when the answer depends on results you cannot know while planning.

Guidelines:
 - Every step is exactly one of the actions above, written like a Python call with positional arguments.
 - Number the steps 1, 2, 3, … in order; each number is used once.
 - An argument is either a constant or the output of an earlier step, written "$N" for the output of step N.
 - Respect the argument and return types of each action, and follow its description.
 - Keep independent steps independent, so they can run in parallel.
 - Use only the actions above and never invent a new one. If the request cannot be done with them, just call join().
 - Do not write comments (#) in the plan.
 - A line starting with "Thought:" may explain the step after it, on one line.
 - End the plan with join() and then write <END_OF_PLAN>.

Instructions:
 - Today is {{today}}.
 - Fill in every argument, the optional ones too: "" for empty text, [] for an empty list, None where the description allows it.
 - Do not use named arguments.
 - Write dates and times as "YYYY-MM-DD HH:MM:SS".
 - Pass the output of step N as "$N"; never copy an output by hand.
 - Call join() only once, at the very end.
{{tool_rules}}

{{examples}}
"""#
        /// `prompts/planner_compact.txt`.
        static let plannerCompact = #"""
Write a plan as numbered tool calls. Tools:
{{tools}}
{{join_index}}. join(): the last step
Rules: positional arguments only; fill every argument; "$N" is the output of step N; dates as "YYYY-MM-DD HH:MM:SS"; today is {{today}}; end with join() and <END_OF_PLAN>.
{{examples}}
"""#
        /// `prompts/planner_minimal.txt`.
        static let plannerMinimal = #"""
Plan with the TinyAgent tools. Today is {{today}}.
"""#
        /// `prompts/planner_user.txt`.
        static let plannerUser = #"""
Question: {{query}}
"""#
        /// `prompts/joiner.txt`.
        static let joiner = #"""
Answer the question from the results of the plan below, or ask for a new plan.
Write one line "Thought: …" and then one line "Action: …" with exactly one of these actions:
 - Finish(answer): the results answer the question. Answer a general-knowledge question directly inside Finish(...).
 - Finish(Summary): the answer is the summary of a PDF that a step produced.
 - Replan: the plan is not finished, or a step failed with an error that says to try again.
If a step failed with an error that cannot be fixed, explain the problem to the user inside Finish(...).

Question: Text Sam that I'm running late.
get_phone_number(Sam)
Observation: +14155550123
send_sms(['+14155550123'], I'm running late)
Observation: SMS draft composed
Thought: The message to Sam is ready.
Action: Finish(I wrote a text to Sam saying you're running late.)
###
Question: Summarize report.pdf.
open_and_get_file_path(report.pdf)
Observation: /Users/me/Documents/report.pdf
summarize_pdf(/Users/me/Documents/report.pdf)
Observation: The report describes the third-quarter results …
Thought: The summary is available.
Action: Finish(Summary)
###
Question: What is the capital of France?
Thought: This is general knowledge; no tool is needed.
Action: Finish(The capital of France is Paris.)
###
Question: Create a reminder to call mom tomorrow.
create_reminder(name=Call mom, due_date=, notes=, list_name=, priority=0, all_day=False)
Observation: Error: Invalid isoformat string: ''! You MUST correct this error and try again!
Thought: The due date was missing; the error can be fixed with a new plan.
Action: Replan
###
{{final_rule}}
Question: {{query}}

{{scratchpad}}

"""#
    }
}

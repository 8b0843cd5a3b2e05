"""SCAN (Lake & Baroni 2018): navigation commands -> action sequences, from the grammar.

Regenerated here rather than downloaded, so the data needs no network and every command's
meaning is checkable. The grammar, as in the paper:

    C -> S and S | S after S | S          S -> V twice | V thrice | V
    V -> D[1] opposite D[2] | D[1] around D[2] | D | U
    D -> U left | U right | turn left | turn right          U -> walk | look | run | jump

where "D[1] opposite D[2]" puts "opposite" between the two words of D ("jump opposite left").
It yields exactly 20,910 distinct commands, the number of the published set.
"""

from __future__ import annotations

from plugboard.seq2seq.data.tasks.base import Example

PRIMITIVES = {"walk": "I_WALK", "look": "I_LOOK", "run": "I_RUN", "jump": "I_JUMP"}
TURNS = {"left": "I_TURN_LEFT", "right": "I_TURN_RIGHT"}
REPETITIONS = {"twice": 2, "thrice": 3}
CONJUNCTIONS = ("and", "after")


def _verb_phrases() -> dict[tuple[str, ...], list[str]]:
    """Every verb phrase V with its actions: [[u left]] = LTURN u, [[u opposite left]] = LTURN
    LTURN u, [[u around left]] = (LTURN u) x 4; "turn" is the verb with no action of its own."""
    phrases = {(verb,): [action] for verb, action in PRIMITIVES.items()}
    for direction, turn in TURNS.items():
        for verb, actions in [("turn", []), *((verb, [action]) for verb, action in PRIMITIVES.items())]:
            step = [turn, *actions]
            phrases[(verb, direction)] = step
            phrases[(verb, "opposite", direction)] = [turn, *step]
            phrases[(verb, "around", direction)] = step * 4
    return phrases


VERB_PHRASES = _verb_phrases()


def _phrases() -> list[tuple[list[str], list[str]]]:
    """Every phrase S (a verb phrase V, alone or repeated twice or thrice) with its actions."""
    phrases = []
    for words, actions in VERB_PHRASES.items():
        phrases.append((list(words), list(actions)))
        for repetition, times in REPETITIONS.items():
            phrases.append(([*words, repetition], actions * times))
    return phrases


def all_examples() -> list[Example]:
    """Every SCAN command as (words, actions), in a fixed order (20,910 of them)."""
    phrases = _phrases()
    examples: list[Example] = list(phrases)
    for first_words, first_actions in phrases:
        for second_words, second_actions in phrases:
            examples.append(([*first_words, "and", *second_words], first_actions + second_actions))
            # "x after y" does y first.
            examples.append(([*first_words, "after", *second_words], second_actions + first_actions))
    return examples


def interpret(command: str) -> list[str]:
    """The action sequence of `command` (e.g. "jump twice" -> ["I_JUMP", "I_JUMP"]).

    Raises ValueError, naming the part that does not parse, for a command outside the grammar.
    """
    words = command.split()
    joints = [index for index, word in enumerate(words) if word in CONJUNCTIONS]
    if len(joints) > 1:
        raise ValueError(
            f"{command!r} is not a SCAN command: it joins more than two phrases "
            f"({' and '.join(repr(words[i]) for i in joints)}); SCAN allows at most one 'and' or 'after'."
        )
    if not joints:
        return _interpret_phrase(words, command)
    joint = joints[0]
    first = _interpret_phrase(words[:joint], command)
    second = _interpret_phrase(words[joint + 1 :], command)
    return first + second if words[joint] == "and" else second + first


def _interpret_phrase(words: list[str], command: str) -> list[str]:
    times = REPETITIONS.get(words[-1], 1) if words else 1
    verb_phrase = tuple(words[:-1] if times > 1 else words)
    if verb_phrase not in VERB_PHRASES:
        raise ValueError(
            f"{command!r} is not a SCAN command: {' '.join(words)!r} is not a phrase of the grammar. "
            "A phrase is a verb (walk, look, run, jump), optionally followed by left/right, "
            "opposite left/right or around left/right ('turn' needs one of them), then "
            "optionally twice or thrice."
        )
    return VERB_PHRASES[verb_phrase] * times

"""The JSON the service accepts and returns, as pydantic models (FastAPI validates against them)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


def request_model(max_batch: int, max_input_length: int, max_beam_size: int) -> type[BaseModel]:
    """The body of POST /predict, with this server's limits built in.

    Strict: a number is not silently read as a string, nor "3" as a beam size, and an unknown
    field (a typo such as "input") is refused rather than ignored.
    """
    Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_input_length)]

    class PredictRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        inputs: list[Text] = Field(min_length=1, max_length=max_batch, examples=[["12 march 2021"]])
        beam_size: int | None = Field(default=None, ge=1, le=max_beam_size)

    return PredictRequest


class Output(BaseModel):
    input: str
    output: str
    score: float  # log-probability of the output under the model
    truncated: bool  # the output hit the length cap before <eos>: cut, not finished
    warning: str | None = None  # e.g. an input far longer than the model's training sources


class PredictResponse(BaseModel):
    outputs: list[Output]


class Health(BaseModel):
    status: str
    checkpoint: str
    task: str
    attention: str


class Problem(BaseModel):
    """An error: `detail` says what is wrong and how to fix it; `problems` lists each field's."""

    detail: str
    problems: list[dict[str, str]] = []

"""The FastAPI app: GET /health and POST /predict over one loaded Predictor.

FastAPI on uvicorn rather than LitServe: one process and no worker pool or extra runtime for a
model this small, a plain ASGI app that tests can drive, and FastAPI is already installed.
Every input problem (bad JSON, wrong types, empty or too many or too long inputs, symbols the
model never saw) is answered with 422 and a message naming it; the server goes on serving. Each
output says whether it was cut at the length cap (`truncated`) and carries a `warning` for an
input far longer than the model's training sources.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's request type from its
# annotation, and that type is built per app (with the app's limits) inside `create_app`.

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from plugboard.seq2seq.inference import InputError, Predictor
from plugboard.seq2seq.serving.schemas import Health, Output, PredictResponse, Problem, request_model

UNPROCESSABLE = 422


def create_app(
    predictor: Predictor, max_batch: int = 64, max_input_length: int = 200, max_beam_size: int = 16
) -> FastAPI:
    """An app that serves `predictor`; requests beyond the limits are refused with 422."""
    PredictRequest = request_model(max_batch, max_input_length, max_beam_size)
    usage = (
        'Send {"inputs": ["12 march 2021"], "beam_size": 3}: inputs is a list of 1 to '
        f"{max_batch} non-empty strings of at most {max_input_length} characters; beam_size "
        f"(optional) an integer from 1 to {max_beam_size}."
    )
    app = FastAPI(
        title="Plugboard model", description=f"A {predictor.task} model from {predictor.checkpoint_path}"
    )

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [_problem(item) for item in error.errors()]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return _refuse(f"Invalid request: {summary}. {usage}", problems)

    @app.exception_handler(InputError)
    def unreadable_input(request: Request, error: InputError) -> JSONResponse:
        return _refuse(str(error))

    @app.get("/health")
    def health() -> Health:
        return Health(
            status="ok",
            checkpoint=predictor.checkpoint_path,
            task=predictor.task,
            attention=predictor.attention,
        )

    # A plain `def`: FastAPI runs it in a worker thread, so decoding never blocks the event loop.
    @app.post("/predict", responses={UNPROCESSABLE: {"model": Problem}})
    def predict(request: PredictRequest) -> PredictResponse:
        predictions = predictor.predict(request.inputs, beam_size=request.beam_size)
        return PredictResponse(
            outputs=[
                Output(
                    input=p.input, output=p.output, score=p.score, truncated=p.truncated, warning=p.warning
                )
                for p in predictions
            ]
        )

    return app


def _problem(error: dict) -> dict[str, str]:
    """One pydantic error as {"field": "inputs[2]", "message": "..."}; JSON errors name the body."""
    if error.get("type") == "json_invalid":  # its loc is ("body", <character position>)
        position = error["loc"][-1]
        reason = error.get("ctx", {}).get("error", "parse error")
        return {"field": "body", "message": f"not valid JSON ({reason}, at character {position})"}
    path = [part for part in error.get("loc", ()) if part != "body"]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    return {"field": field or "body", "message": error.get("msg", "invalid")}


def _refuse(detail: str, problems: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(
        Problem(detail=detail, problems=problems or []).model_dump(), status_code=UNPROCESSABLE
    )

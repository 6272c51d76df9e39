"""`postag serve`: the tagging path behind HTTP, for other programs and for people.

    app        the Starlette app: routes, the API key, body limits, time limits, disconnects, errors as JSON
    requests   a POST /v1/tag body read and checked (every way it can be wrong is a 4xx with a message)
    tagging    the models as served; a request prepared (cut, tokenized), and answered (JSON, CoNLL-U, TSV)
               with the same functions as `postag tag`
    batching   concurrent requests tagged together, off the event loop
    metrics    Prometheus metrics (prometheus_client), across worker processes too
    settings   what `postag serve` was asked for, passed to uvicorn's worker processes
    page/      the page at / (one HTML file: its script and style inline, nothing from the network)
"""

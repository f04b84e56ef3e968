"""ruletest's exception types. Every error carries where it happened when that is known."""

from __future__ import annotations


class RuletestError(Exception):
    """Base class: a problem a user can act on, with an optional file/line/column position and a
    code saying what kind of problem it is (tools match codes, never message text)."""

    code = "error"  # overridden per class, or per instance where one class covers several kinds

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        if code is not None:
            self.code = code

    def with_position(self, file: str | None, line: int | None = None) -> RuletestError:
        """Return a copy of this error located at ``file:line`` (keeps an existing position)."""
        err = type(self).__new__(type(self))
        RuletestError.__init__(err, self.message, file=self.file or file,
                               line=self.line if self.line is not None else line, column=self.column,
                               code=self.code)
        return err

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + self.message


class PromQLSyntaxError(RuletestError):
    """An expression that does not parse (or uses syntax ruletest does not support)."""

    code = "promql/syntax"


class PromQLEvalError(RuletestError):
    """An expression that parses but fails at evaluation time, as Prometheus would fail it."""

    code = "promql/eval"


class SeriesNotationError(RuletestError):
    """A bad ``input_series`` line: series description or expanding values."""

    code = "series/notation"


class UnsupportedError(RuletestError):
    """Valid input that ruletest does not support (e.g. a function of another Prometheus version)."""

    code = "unsupported"

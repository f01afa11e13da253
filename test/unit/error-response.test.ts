import { ApiError } from "../../shared/http/api-errors";
import { toErrorResponse } from "../../services/gateway/error-response";

describe("toErrorResponse", () => {
  it("keeps a client error's status, code, message and details", () => {
    const response = toErrorResponse(new ApiError(422, "UNKNOWN_TASK", "Unknown task", { known: ["a.b"] }));
    expect(response).toEqual({
      status: 422,
      body: { error: { code: "UNKNOWN_TASK", message: "Unknown task", details: { known: ["a.b"] } } },
    });
  });

  it("maps body-parser errors", () => {
    expect(toErrorResponse({ status: 400, type: "entity.parse.failed", message: "Unexpected token" }).body.error.code).toBe("MALFORMED_JSON");
    expect(toErrorResponse({ status: 413, type: "entity.too.large" }).status).toBe(413);
  });

  it("hides the internals of server errors", () => {
    const error = new Error("relation \"jobs\" does not exist");
    const response = toErrorResponse(error);
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain("relation");
  });

  it("answers 503 when a service is not running", () => {
    expect(toErrorResponse({ code: 404, type: "SERVICE_NOT_FOUND" }).status).toBe(503);
    const fromGateway = toErrorResponse({ name: "ServiceUnavailableError", code: 503, message: "Service unavailable" });
    expect(fromGateway).toEqual({
      status: 503,
      body: { error: { code: "SERVICE_UNAVAILABLE", message: "A required service is not available; try again" } },
    });
  });

  it("tells a full disk (507) as such, with its code and message", () => {
    const full = new ApiError(507, "INSUFFICIENT_STORAGE", "The server has no room for the upload right now; try again later");
    expect(toErrorResponse(full)).toEqual({
      status: 507,
      body: { error: { code: "INSUFFICIENT_STORAGE", message: "The server has no room for the upload right now; try again later" } },
    });
  });
});

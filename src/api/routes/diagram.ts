import { Router, type Request, type Response } from "express";
import { GraphQLError } from "graphql";
import { FaultlineError } from "../../runs";
import type { ApiServices } from "../context";
import { clientKey } from "../limits/clients";
import { loadRun } from "../load-run";

const STATUS: Record<FaultlineError["code"], number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  RUN_FAILED: 409,
  BUSY: 503,
  INTERNAL: 500,
  RUN_NOT_LIVE: 409,
};

/** The owner check's refusals (issue 9), which reach the route as GraphQL errors. */
const ACCESS_STATUS: Readonly<Record<string, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

/** An integer query parameter, or undefined when absent; anything else is refused naming it. */
function intParameter(request: Request, name: string): number | undefined {
  const value = request.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^-?\d{1,15}$/.test(value)) {
    throw new FaultlineError(
      "BAD_USER_INPUT",
      `Query parameter "${name}" must be an integer; got ${JSON.stringify(value)}.`,
      name,
    );
  }
  return Number(value);
}

/**
 * GET /runs/:id/diagram.svg?fromSeq=&toSeq= : Run.diagram for an <img> tag
 * (image/svg+xml), with the same window and limit; a refusal is plain text with the
 * status of its code (400 for bad input or a window over the limit, 404 for no run, 401 or
 * 403 for a student's run asked for by anyone but them and instructors).
 */
export function diagramRoute(services: ApiServices): Router {
  const router = Router();
  router.get("/runs/:id/diagram.svg", async (request: Request, response: Response) => {
    try {
      const authorization = request.headers.authorization;
      const context = {
        services,
        identity: await services.identify(authorization),
        client: clientKey(authorization, request.socket.remoteAddress),
      };
      const run = await loadRun(context, String(request.params["id"]));
      const svg = await services.explore.diagram(run.id, {
        fromSeq: intParameter(request, "fromSeq"),
        toSeq: intParameter(request, "toSeq"),
      });
      response.type("image/svg+xml").send(svg);
    } catch (error) {
      if (error instanceof GraphQLError && typeof error.extensions["code"] === "string") {
        const status = ACCESS_STATUS[error.extensions["code"]];
        if (status !== undefined) {
          response.status(status).type("text/plain").send(error.message);
          return;
        }
      }
      if (!(error instanceof FaultlineError)) throw error;
      response.status(STATUS[error.code]).type("text/plain").send(error.message);
    }
  });
  return router;
}

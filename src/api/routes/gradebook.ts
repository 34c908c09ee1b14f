import type { Express, Request, Response } from "express";
import { GradingError } from "../../grading";
import type { ApiServices } from "../context";

/** Where an assignment's gradebook is served as CSV (issue 9). */
export const GRADEBOOK_CSV_PATH = "/assignments/:id/gradebook.csv";

const STATUS: Record<GradingError["code"], number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  BUSY: 503,
};

/**
 * GET /assignments/:id/gradebook.csv: every student's best and latest score and
 * attempts, for a spreadsheet. Instructors only (Authorization: Bearer <token>);
 * otherwise 401 (no or an unknown token) or 403 (a student), with a plain message.
 */
export function mountGradebookCsv(app: Express, services: ApiServices): void {
  app.get(GRADEBOOK_CSV_PATH, async (request: Request<{ id: string }>, response: Response) => {
    const identity = await services.identify(request.headers.authorization);
    try {
      const csv = await services.grading.gradebookCsv(identity, request.params.id);
      response.status(200).type("text/csv; charset=utf-8").attachment(`gradebook-${request.params.id}.csv`).send(csv);
    } catch (error) {
      if (!(error instanceof GradingError)) throw error;
      if (error.code === "UNAUTHENTICATED") response.set("WWW-Authenticate", 'Bearer realm="faultline"');
      response.status(STATUS[error.code]).type("text/plain").send(error.message);
    }
  });
}

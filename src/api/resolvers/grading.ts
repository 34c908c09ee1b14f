import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, UseMiddleware } from "type-graphql";
import type { AssignmentView, FeedbackView, Question as QuestionRecord, SubmissionView } from "../../grading";
import type { Scenario as ScenarioRecord } from "../../scenarios/types";
import type { ApiContext } from "../context";
import { mapServiceErrors } from "../errors";
import { readableRun } from "../readable-run";
import {
  AnswerInput,
  Assignment,
  AssignmentInput,
  AssignmentItem,
  CreatedStudent,
  Feedback,
  GradebookRow,
  Question,
  Submission,
} from "../types/grading";
import { Run } from "../types/run";
import { Scenario } from "../types/scenario";

type ItemView = AssignmentView["items"][number];

// Thin: who may do what, and every key, is decided by the grading service.
@UseMiddleware(mapServiceErrors)
@Resolver(() => Assignment)
export class GradingResolver {
  @Mutation(() => CreatedStudent, { description: "Instructors only: a new student and their token (shown once)." })
  createStudent(@Ctx() ctx: ApiContext, @Arg("name", () => String) name: string): Promise<CreatedStudent> {
    return ctx.services.grading.createStudent(ctx.identity, name);
  }

  @Mutation(() => Assignment, { description: "Instructors only: an assignment from scenarios and their questions." })
  createAssignment(
    @Ctx() ctx: ApiContext,
    @Arg("input", () => AssignmentInput) input: AssignmentInput,
  ): Promise<AssignmentView> {
    return ctx.services.grading.createAssignment(ctx.identity, { ...input });
  }

  @Query(() => Assignment, {
    nullable: true,
    description:
      "An assignment: for a student their own variant (seed and run hidden until allowed), for an instructor the default seeds.",
  })
  assignment(@Ctx() ctx: ApiContext, @Arg("id", () => ID) id: string): Promise<AssignmentView | null> {
    return ctx.services.grading.assignment(ctx.identity, id);
  }

  @Mutation(() => Submission, {
    description: "Students only: answers graded against keys computed from their own run, stored for good.",
  })
  submitAnswers(
    @Ctx() ctx: ApiContext,
    @Arg("assignmentId", () => ID) assignmentId: string,
    @Arg("answers", () => [AnswerInput]) answers: AnswerInput[],
  ): Promise<SubmissionView> {
    return ctx.services.grading.submitAnswers(
      ctx.identity,
      assignmentId,
      answers.map((answer) => ({ questionId: answer.questionId, value: answer.value })),
    );
  }

  @Query(() => Submission, { nullable: true, description: "Its owner and instructors only." })
  submission(@Ctx() ctx: ApiContext, @Arg("id", () => ID) id: string): Promise<SubmissionView | null> {
    return ctx.services.grading.submission(ctx.identity, id);
  }

  @Query(() => [Submission], {
    description: "An instructor: every submission (or one student's); a student: their own only.",
  })
  submissions(
    @Ctx() ctx: ApiContext,
    @Arg("assignmentId", () => ID) assignmentId: string,
    @Arg("studentId", () => ID, { nullable: true }) studentId?: string | null,
  ): Promise<SubmissionView[]> {
    return ctx.services.grading.submissions(ctx.identity, assignmentId, studentId ?? null);
  }

  @Query(() => [GradebookRow], { description: "Instructors only: every student's best and latest score and attempts." })
  gradebook(@Ctx() ctx: ApiContext, @Arg("assignmentId", () => ID) assignmentId: string): Promise<GradebookRow[]> {
    return ctx.services.grading.gradebook(ctx.identity, assignmentId);
  }
}

@Resolver(() => AssignmentItem)
export class AssignmentItemResolver {
  @FieldResolver(() => Scenario)
  scenario(@Root() item: ItemView): ScenarioRecord {
    return item.scenario;
  }

  @FieldResolver(() => Run, {
    nullable: true,
    description: "The asker's run of the scenario; null until it may be seen.",
  })
  run(@Ctx() ctx: ApiContext, @Root() item: ItemView): unknown {
    return item.runId === null ? null : (readableRun(ctx, item.runId) ?? null);
  }
}

@Resolver(() => Feedback)
export class FeedbackResolver {
  @FieldResolver(() => Run, { nullable: true, description: "The run a SCHEDULE answer made." })
  run(@Ctx() ctx: ApiContext, @Root() feedback: FeedbackView): unknown {
    return feedback.runId === null ? null : (readableRun(ctx, feedback.runId) ?? null);
  }
}

// Scenario's grading fields: its questions (never their keys) and its source, with the keys removed for non-instructors.
@Resolver(() => Scenario)
export class ScenarioGradingResolver {
  @FieldResolver(() => [Question], {
    description: "The scenario's questions for grading, without their keys (checked when the scenario was loaded).",
  })
  questions(@Ctx() ctx: ApiContext, @Root() scenario: ScenarioRecord): readonly QuestionRecord[] {
    return ctx.services.grading.questionsOf(scenario);
  }

  @FieldResolver(() => String, {
    description:
      "The YAML text of the scenario file; for anyone but an instructor, every question's answer query, " +
      "example schedule and goal query are removed.",
  })
  source(@Ctx() ctx: ApiContext, @Root() scenario: ScenarioRecord): string {
    return ctx.services.grading.scenarioSource(ctx.identity, scenario);
  }
}

import { GraphQLJSON } from "graphql-scalars";
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  KEY_RELEASES,
  QUESTION_TYPES,
  type KeyRelease as KeyReleaseName,
  type QuestionType as QuestionTypeName,
} from "../../grading";
import type { Json } from "../../sim/json";

export const QuestionType = Object.fromEntries(QUESTION_TYPES.map((type) => [type, type])) as {
  [K in QuestionTypeName]: K;
};
registerEnumType(QuestionType, {
  name: "QuestionType",
  description: "How a question is answered and compared with its key.",
});

export const KeyRelease = Object.fromEntries(KEY_RELEASES.map((name) => [name, name])) as { [K in KeyReleaseName]: K };
registerEnumType(KeyRelease, { name: "KeyRelease", description: "When students may see the keys of an assignment." });

@ObjectType({
  simpleResolvers: true,
  description: "A question about a scenario's run; its key is computed from the trace.",
})
export class Question {
  @Field(() => ID, { description: 'Globally unique: "<scenario id>/<question id>".' })
  id!: string;

  @Field(() => ID)
  scenarioId!: string;

  @Field(() => String, { description: "Markdown." })
  prompt!: string;

  @Field(() => QuestionType)
  type!: QuestionTypeName;

  @Field(() => Float)
  points!: number;

  @Field(() => [String], { nullable: true, description: "The options, for choice and NODE questions." })
  choices!: readonly string[] | null;
}

@ObjectType({ simpleResolvers: true })
export class Student {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType({ simpleResolvers: true, description: "A new student and their bearer token, shown this once." })
export class CreatedStudent {
  @Field(() => Student)
  student!: Student;

  @Field(() => String, { description: "Send as `Authorization: Bearer <token>`. Only its hash is stored." })
  token!: string;
}

@InputType()
export class AssignmentInput {
  @Field(() => String)
  title!: string;

  @Field(() => [ID])
  scenarioIds!: string[];

  @Field(() => [ID], { nullable: true, description: 'Chosen questions ("<scenario>/<question>"); absent: all.' })
  questionIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: "Each student gets their own seed (default false)." })
  personalSeeds?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Students may see their run before submitting (default true)." })
  showRunBeforeSubmit?: boolean | null;

  @Field(() => Int, { nullable: true })
  maxAttempts?: number | null;

  @Field(() => KeyRelease, { nullable: true, description: "Default AFTER_SUBMIT." })
  keys?: KeyReleaseName | null;

  @Field(() => String, { nullable: true, description: "ISO 8601." })
  deadline?: string | null;
}

@ObjectType({ simpleResolvers: true })
export class AssignmentItem {
  @Field(() => Int, { nullable: true, description: "The asker's seed; null until the run may be seen." })
  seed!: number | null;

  @Field(() => [Question])
  questions!: readonly Question[];
}

@ObjectType({ simpleResolvers: true })
export class Assignment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  deadline!: string | null;

  @Field(() => [AssignmentItem])
  items!: readonly AssignmentItem[];
}

@InputType()
export class AnswerInput {
  @Field(() => ID)
  questionId!: string;

  @Field(() => GraphQLJSON, { description: "A string, number, list, or a fault list for SCHEDULE." })
  value!: Json;
}

@ObjectType({ simpleResolvers: true })
export class Feedback {
  @Field(() => ID)
  questionId!: string;

  @Field(() => Boolean)
  correct!: boolean;

  @Field(() => Float)
  points!: number;

  @Field(() => GraphQLJSON, { nullable: true, description: "The key, once the assignment releases keys." })
  expected!: Json | null;

  @Field(() => [Int], { description: "Seqs of the events that justify the key (once released)." })
  justification!: readonly number[];

  @Field(() => String, {
    nullable: true,
    description: "Why an answer could not be graded, or what a schedule's run gave.",
  })
  message!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class Submission {
  @Field(() => ID)
  id!: string;

  @Field(() => Student)
  student!: Student;

  @Field(() => ID)
  assignmentId!: string;

  @Field(() => Float)
  score!: number;

  @Field(() => Float)
  maxScore!: number;

  @Field(() => String)
  createdAt!: string;

  @Field(() => Int, { description: "The student's seed (of the first scenario; seeds has every one)." })
  seed!: number;

  @Field(() => GraphQLJSON, { description: "Scenario id -> the student's seed." })
  seeds!: Json;

  @Field(() => [Feedback])
  feedback!: readonly Feedback[];
}

@ObjectType({ simpleResolvers: true })
export class GradebookRow {
  @Field(() => Student)
  student!: Student;

  @Field(() => Float)
  best!: number;

  @Field(() => Float)
  latest!: number;

  @Field(() => Int)
  attempts!: number;
}

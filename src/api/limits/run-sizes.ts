import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  getNamedType,
  getOperationAST,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  GraphQLID,
} from "graphql";

/** The object type whose fields' cost grows with the run's length. */
export const RUN_TYPE = "Run";

/**
 * How many events the run behind each field of a Run has, for the fields' prices:
 * the run's stored eventCount where the operation names it with Query.run(id:), and
 * `unknownEvents` where the run is reached any other way (a runs page, a mutation's
 * result, a submission's feedback), whose length is not known before execution. A
 * fragment used under several runs is priced for the longest. Each fragment is walked
 * once per (type, run length), so fragments that spread one another cannot make this
 * walk long.
 */
export function runSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  operationName: string | undefined | null,
  eventCountOf: (runId: string) => number | undefined,
  unknownEvents: number,
): WeakMap<FieldNode, number> {
  const sizes = new WeakMap<FieldNode, number>();
  const operation = getOperationAST(document, operationName ?? undefined);
  if (operation === null || operation === undefined) return sizes;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walked = new Set<string>();

  const sizeOfNamedRun = (field: FieldNode): number => {
    const argument = field.arguments?.find((candidate) => candidate.name.value === "id");
    const id = argument === undefined ? undefined : valueFromAST(argument.value, GraphQLID, variables ?? undefined);
    return typeof id === "string" ? (eventCountOf(id) ?? 0) : unknownEvents;
  };

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, runEvents: number): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (parent.name === RUN_TYPE) sizes.set(selection, Math.max(sizes.get(selection) ?? 0, runEvents));
        if (selection.selectionSet === undefined || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const definition = parent.getFields()[selection.name.value];
        if (definition === undefined) continue;
        const type = getNamedType(definition.type);
        if (!isCompositeType(type)) continue;
        const childEvents =
          type.name !== RUN_TYPE
            ? runEvents
            : parent === schema.getQueryType() && selection.name.value === "run"
              ? sizeOfNamedRun(selection)
              : unknownEvents;
        walk(selection.selectionSet, type, childEvents);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (fragment === undefined) continue;
        const condition = fragment.typeCondition?.name.value;
        const type = condition === undefined ? parent : (schema.getType(condition) ?? parent);
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const key = `${selection.name.value}\u0000${type.name}\u0000${runEvents}`;
          if (walked.has(key)) continue;
          walked.add(key);
        }
        walk(fragment.selectionSet, type, runEvents);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (root !== undefined && root !== null) walk(operation.selectionSet, root, unknownEvents);
  return sizes;
}

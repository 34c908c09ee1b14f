// The faultline GraphQL IDE: GraphiQL served from our own server (no internet),
// with queries over HTTP POST and subscriptions over graphql-ws at the same /graphql.
/* global window, document, React, ReactDOM, GraphiQL */
(function () {
  "use strict";

  var httpUrl = window.location.origin + "/graphql";
  var wsUrl = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/graphql";

  var tabs = [
    {
      query: [
        "# Every scenario faultline has loaded, and any scenario file it could not load.",
        "query ListScenarios {",
        "  scenarios {",
        "    id",
        "    title",
        "    topic",
        "    protocol",
        "    nodes",
        "    objectives",
        "  }",
        "  scenarioProblems {",
        "    file",
        "    line",
        "    column",
        "    path",
        "    message",
        "  }",
        "}",
        "",
      ].join("\n"),
    },
    {
      query: [
        "# Runs two-phase commit with the coordinator crashing after it has collected the votes.",
        "# Without pace the run goes to the end: the answer is the COMPLETED run.",
        "# Run it twice with the same seed: the traceHash is the same, byte for byte.",
        "mutation StartCoordinatorCrash {",
        '  startRun(scenarioId: "2pc-coordinator-crash", seed: 7) {',
        "    id",
        "    status",
        "    eventCount",
        "    stopReason",
        "    traceHash",
        "    violations {",
        "      invariant",
        "      seq",
        "      message",
        "    }",
        "    nodes {",
        "      node",
        "      up",
        "      state",
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
    },
    {
      query: [
        "# A run's events, 20 at a time. Put the id that StartCoordinatorCrash returned in the",
        "# variables below; for the next page, set after to the nextCursor of this one.",
        "query PageEvents($runId: ID!, $after: Int) {",
        "  run(id: $runId) {",
        "    id",
        "    status",
        "    eventCount",
        "    events(first: 20, after: $after) {",
        "      events {",
        "        seq",
        "        time",
        "        node",
        "        kind",
        "        summary",
        "        lamport",
        "        vclock",
        "      }",
        "      nextCursor",
        "      hasMore",
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
      variables: JSON.stringify({ runId: "paste a run id here", after: null }, null, 2),
    },
    {
      query: [
        "# Watch a run as it happens:",
        "# 1. Run StartPacedRun: with pace (milliseconds per event) it returns at once, RUNNING.",
        "# 2. Put its id in the variables below and run FollowRun: the events arrive one by one,",
        "#    from seq 0, and the subscription completes when the run ends.",
        "mutation StartPacedRun {",
        '  startRun(scenarioId: "2pc-coordinator-crash", pace: 250) {',
        "    id",
        "    status",
        "    pace",
        "  }",
        "}",
        "",
        "subscription FollowRun($runId: ID!) {",
        "  runEvents(runId: $runId, fromSeq: 0) {",
        "    seq",
        "    time",
        "    node",
        "    kind",
        "    summary",
        "  }",
        "}",
        "",
      ].join("\n"),
      variables: JSON.stringify({ runId: "paste the id StartPacedRun returned" }, null, 2),
    },
  ];

  var fetcher = GraphiQL.createFetcher({ url: httpUrl, subscriptionUrl: wsUrl });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
    }),
  );
})();

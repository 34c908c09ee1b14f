// The faultline GraphQL IDE: GraphiQL served from our own server (no internet),
// with queries over HTTP POST and subscriptions over graphql-ws at the same /graphql.
// Beside GraphiQL's own panes it adds: a Scenarios panel that opens each scenario's
// ready-made operations in a new tab, a subscription log that keeps every event (GraphiQL
// alone shows only the latest), and a footer that carries the id of the run just started
// into the `runId` variable of the tab in use and of every tab opened next.
/* global window, document, fetch, React, ReactDOM, GraphiQL */
(function () {
  "use strict";

  var httpUrl = window.location.origin + "/graphql";
  var wsUrl = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/graphql";
  /** A subscription's log keeps this many events; older ones are dropped (and counted) so a long run stays readable. */
  var LOG_MAX_EVENTS = 2000;
  /** Mutations whose answer is a run that the learner will want to follow next. */
  var RUN_STARTERS = ["startRun", "runScenario", "forkRun", "importRun"];

  var h = React.createElement;

  function lines(list) {
    return list.join("\n") + "\n";
  }

  var tabs = [
    {
      query: lines([
        "# Every scenario faultline has loaded, and any",
        "# scenario file it could not load (and why).",
        "# The Scenarios panel (left bar) opens each",
        "# scenario's ready-made operations in a new tab.",
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
      ]),
    },
    {
      query: lines([
        "# Two-phase commit; the coordinator crashes once it",
        "# has collected the votes. Without pace the run goes",
        "# to the end and the answer is the COMPLETED run.",
        "# Same seed, same traceHash: run it twice and see.",
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
      ]),
    },
    {
      query: lines([
        "# The events of the latest 2pc-coordinator-crash run",
        "# (start one first), 20 at a time. For the next page,",
        "# set after (below) to this page's nextCursor.",
        "# nodes(atSeq:) shows every node right after one event.",
        "query PageEvents($after: Int, $atSeq: Int) {",
        '  runs(scenarioId: "2pc-coordinator-crash", first: 1) {',
        "    nodes {",
        "      id",
        "      events(first: 20, after: $after) {",
        "        events {",
        "          seq",
        "          time",
        "          node",
        "          kind",
        "          summary",
        "          lamport",
        "          vclock",
        "        }",
        "        nextCursor",
        "        hasMore",
        "      }",
        "      nodes(atSeq: $atSeq) {",
        "        node",
        "        up",
        "        state",
        "      }",
        "    }",
        "  }",
        "}",
      ]),
      variables: JSON.stringify({ after: null, atSeq: 20 }, null, 2),
    },
    {
      query: lines([
        "# Watch a run as it happens:",
        "# 1. Run StartPacedRun (the play button offers both",
        "#    operations): with pace, in ms per event, it",
        "#    returns at once with status RUNNING, and its id",
        "#    goes into the runId variable below by itself.",
        "# 2. Run FollowRun: events arrive one by one from",
        "#    seq 0 and the response keeps every one of them;",
        "#    it completes when the run ends.",
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
      ]),
      variables: JSON.stringify({ runId: "start a run: its id appears here" }, null, 2),
    },
  ];

  /** The operations the Scenarios panel opens for one scenario: start it paced and follow it, then read the run. */
  function scenarioTab(scenario) {
    var name = scenario.id.replace(/[^A-Za-z0-9]+(.)?/g, function (_match, next) {
      return next ? next.toUpperCase() : "";
    });
    var title = name.charAt(0).toUpperCase() + name.slice(1);
    return {
      query: lines([
        "# " + scenario.title + " (" + scenario.topic + ", " + scenario.protocol + ")",
        "# 1. Start" + title + ": one event every 200 ms; its id",
        "#    goes into the runId variable by itself.",
        "# 2. Follow" + title + ": every event as it happens.",
        "# 3. Read" + title + ": the finished run, its verdicts",
        "#    and each node's state at the end.",
        "mutation Start" + title + " {",
        "  startRun(scenarioId: " + JSON.stringify(scenario.id) + ", pace: 200) {",
        "    id",
        "    status",
        "  }",
        "}",
        "",
        "subscription Follow" + title + "($runId: ID!) {",
        "  runEvents(runId: $runId, fromSeq: 0) {",
        "    seq",
        "    time",
        "    node",
        "    kind",
        "    summary",
        "    data",
        "  }",
        "}",
        "",
        "query Read" + title + "($runId: ID!) {",
        "  run(id: $runId) {",
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
      ]),
      variables: JSON.stringify({ runId: lastRun.id || "start the run: its id appears here" }, null, 2),
    };
  }

  // The id of the run most recently started from this page, and who wants to hear of a new one.
  var lastRun = { id: null, listeners: [] };
  function noteRun(result) {
    var data = result && result.data;
    if (!data) return;
    RUN_STARTERS.forEach(function (field) {
      var run = data[field];
      if (run && typeof run.id === "string") {
        lastRun.id = run.id;
        lastRun.listeners.forEach(function (listener) {
          listener(run.id);
        });
      }
    });
  }

  /** A subscription's results, each answered as the log of every event so far (the newest last). */
  async function* logged(results) {
    var log = [];
    var dropped = 0;
    var errors = [];
    for await (var result of results) {
      if (result.errors) errors = errors.concat(result.errors);
      var data = result.data || {};
      var field = Object.keys(data)[0];
      if (field !== undefined) {
        log.push(data[field]);
        if (log.length > LOG_MAX_EVENTS) {
          log.shift();
          dropped += 1;
        }
      }
      var answer = { data: {} };
      answer.data[field || "events"] = log.slice();
      answer.extensions = { log: { received: log.length + dropped, shown: log.length, dropped: dropped } };
      if (errors.length > 0) answer.errors = errors;
      yield answer;
    }
  }

  /** Each result of a query's or mutation's stream (GraphiQL fetches with incremental delivery), noted for its run id. */
  async function* noted(results) {
    for await (var result of results) {
      noteRun(result);
      yield result;
    }
  }

  /** Whether the operation GraphiQL is about to send is a subscription. */
  function isSubscription(params) {
    try {
      var document = GraphiQL.GraphQL.parse(params.query);
      return document.definitions.some(function (definition) {
        return (
          definition.kind === "OperationDefinition" &&
          definition.operation === "subscription" &&
          (!params.operationName || (definition.name && definition.name.value === params.operationName))
        );
      });
    } catch {
      return false;
    }
  }

  var baseFetcher = GraphiQL.createFetcher({ url: httpUrl, subscriptionUrl: wsUrl });
  function fetcher(params, options) {
    var subscription = isSubscription(params);
    return Promise.resolve(baseFetcher(params, options)).then(function (result) {
      if (result && typeof result[Symbol.asyncIterator] === "function") {
        return subscription ? logged(result) : noted(result);
      }
      noteRun(result);
      return result;
    });
  }

  /** Replaces the runId of a tab's variables (JSON text) with id, or answers undefined when there is none to replace. */
  function withRunId(variablesText, id) {
    var variables;
    try {
      variables = JSON.parse(variablesText || "{}");
    } catch {
      return undefined;
    }
    if (!variables || typeof variables !== "object" || !("runId" in variables) || variables.runId === id) {
      return undefined;
    }
    variables.runId = id;
    return JSON.stringify(variables, null, 2);
  }

  /** The footer: the run just started, carried into the runId variable of the tab in use and of each tab opened next. */
  function RunCarrier() {
    var editor = GraphiQL.React.useEditorContext({ nonNull: true });
    var state = React.useState(lastRun.id);
    var runId = state[0];
    var setRunId = state[1];
    React.useEffect(function () {
      lastRun.listeners.push(setRunId);
      return function () {
        lastRun.listeners = lastRun.listeners.filter(function (listener) {
          return listener !== setRunId;
        });
      };
    }, []);
    React.useEffect(
      function () {
        if (!runId || !editor.variableEditor) return;
        var next = withRunId(editor.variableEditor.getValue(), runId);
        if (next !== undefined) editor.variableEditor.setValue(next);
      },
      [runId, editor.activeTabIndex, editor.variableEditor],
    );
    return h(
      "div",
      { className: "faultline-footer", "data-run-id": runId || "" },
      runId ? "Last run started here: " + runId + " (carried into runId)" : "No run started from this page yet",
    );
  }

  /** The Scenarios panel: every scenario by topic; a click opens its ready-made operations in a new tab. */
  function ScenariosPanel() {
    var editor = GraphiQL.React.useEditorContext({ nonNull: true });
    var state = React.useState({ scenarios: null, error: null });
    var loaded = state[0];
    var setLoaded = state[1];
    var pending = React.useRef(null);
    React.useEffect(function () {
      fetch(httpUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: "{ scenarios { id title topic protocol } }" }),
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (body) {
          if (body.errors) setLoaded({ scenarios: null, error: body.errors[0].message });
          else setLoaded({ scenarios: body.data.scenarios, error: null });
        })
        .catch(function (error) {
          setLoaded({ scenarios: null, error: String(error) });
        });
    }, []);
    // A new tab's editors exist only after React has rendered it: fill them then.
    React.useEffect(
      function () {
        var tab = pending.current;
        if (!tab || !editor.queryEditor || !editor.variableEditor) return;
        pending.current = null;
        editor.queryEditor.setValue(tab.query);
        editor.variableEditor.setValue(tab.variables);
      },
      [editor.activeTabIndex, editor.tabs.length, editor.queryEditor, editor.variableEditor],
    );
    function open(scenario) {
      pending.current = scenarioTab(scenario);
      editor.addTab();
    }
    if (loaded.error) return h("p", { className: "faultline-error" }, "Could not list the scenarios: " + loaded.error);
    if (!loaded.scenarios) return h("p", null, "Loading the scenarios…");
    var topics = [];
    var byTopic = {};
    loaded.scenarios.forEach(function (scenario) {
      if (!byTopic[scenario.topic]) {
        byTopic[scenario.topic] = [];
        topics.push(scenario.topic);
      }
      byTopic[scenario.topic].push(scenario);
    });
    return h(
      "div",
      { className: "faultline-scenarios" },
      h("div", { className: "graphiql-doc-explorer-title" }, "Scenarios"),
      h("p", null, "Click a scenario to open its ready-made operations in a new tab."),
      topics.map(function (topic) {
        return h(
          "section",
          { key: topic },
          h("h3", null, topic),
          h(
            "ul",
            null,
            byTopic[topic].map(function (scenario) {
              return h(
                "li",
                { key: scenario.id },
                h(
                  "button",
                  {
                    type: "button",
                    className: "faultline-scenario",
                    "data-scenario-id": scenario.id,
                    title: scenario.id + " (" + scenario.protocol + ")",
                    onClick: function () {
                      open(scenario);
                    },
                  },
                  scenario.title,
                ),
              );
            }),
          ),
        );
      }),
    );
  }

  function ScenariosIcon() {
    return h(
      "svg",
      { viewBox: "0 0 24 24", width: 20, height: 20, fill: "none", stroke: "currentColor", strokeWidth: 1.5 },
      h("path", { d: "M3 5h18M3 12h18M3 19h18M7 3v4M13 10v4M9 17v4" }),
    );
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    h(
      GraphiQL,
      {
        fetcher: fetcher,
        defaultTabs: tabs,
        defaultEditorToolsVisibility: true,
        plugins: [{ title: "Scenarios", icon: ScenariosIcon, content: ScenariosPanel }],
      },
      h(GraphiQL.Logo, null, h("span", { className: "faultline-logo" }, "faultline")),
      h(GraphiQL.Footer, null, h(RunCarrier)),
    ),
  );
})();

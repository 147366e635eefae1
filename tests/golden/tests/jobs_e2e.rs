//! Several push items on one operation, several responses per push item, typed push
//! headers (an enum among them), a header-only error and a status range: the generated
//! jobs server and client.

mod support;

use pushgen_golden::jobs::client::{JobsClient, RunJobObserver};
use pushgen_golden::jobs::operations::{cancel_job, run_job};
use pushgen_golden::jobs::server::{Jobs, router};
use pushgen_golden::jobs::types;
use pushgen_runtime::client::PushBinding;
use pushgen_runtime::server::{PushSink, RequestContext};
use std::collections::BTreeMap;

struct Runner;

impl Jobs for Runner {
    async fn run_job(
        &self,
        context: RequestContext,
        params: run_job::Params,
        body: types::RunJobRequest,
        push: PushSink<run_job::Push>,
    ) -> run_job::Response {
        if params.project_id == 409 {
            return run_job::Response::Conflict {
                headers: run_job::ConflictHeaders {
                    retry_after: Some(30),
                },
            };
        }
        if body.steps.is_empty() {
            return run_job::Response::Status4xx {
                status: 422,
                body: types::Problem {
                    type_: None,
                    title: "no steps".into(),
                    status: Some(422),
                    detail: None,
                },
            };
        }
        let job_id = context
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("job")
            .to_string();
        let project_id = params.project_id;
        let _ = push
            .send(run_job::Progress {
                project_id,
                job_id: job_id.clone(),
                response: run_job::ProgressResponse::Ok {
                    body: types::RunJobProgressOkBody {
                        percent: 50.0,
                        eta: None,
                    },
                },
            })
            .await;
        let _ = push
            .send(run_job::Log {
                project_id,
                job_id: job_id.clone(),
                response: run_job::LogResponse::Ok {
                    headers: run_job::LogOkHeaders {
                        x_log_level: types::LogLevel::Warn,
                        x_sequence: Some(7),
                    },
                    body: "disk almost full".into(),
                },
            })
            .await;
        let steps = [
            run_job::StepsResponse::Ok {
                body: types::StepOutput {
                    stdout: Some("built".into()),
                    exit_code: Some(0),
                    artifacts: Some(BTreeMap::from([(
                        "bin".to_string(),
                        types::Artifact {
                            url: "/a/bin".into(),
                            size: None,
                        },
                    )])),
                },
            },
            run_job::StepsResponse::InternalServerError {
                headers: run_job::StepsInternalServerErrorHeaders { x_retryable: true },
                body: types::Problem {
                    type_: Some("about:blank".into()),
                    title: "tests failed".into(),
                    status: None,
                    detail: None,
                },
            },
            run_job::StepsResponse::NoContent,
        ];
        for (index, response) in (0..).zip(steps) {
            let _ = push
                .send(run_job::Steps {
                    project_id,
                    job_id: job_id.clone(),
                    index,
                    response,
                })
                .await;
        }
        run_job::Response::Ok {
            body: types::JobResult {
                job_id,
                state: types::JobResultState::TimedOut,
                outputs: None,
                parent: None,
            },
        }
    }

    async fn get_job(
        &self,
        _context: RequestContext,
        _params: pushgen_golden::jobs::operations::get_job::Params,
    ) -> pushgen_golden::jobs::operations::get_job::Response {
        pushgen_golden::jobs::operations::get_job::Response::NotFound
    }

    async fn cancel_job(
        &self,
        _context: RequestContext,
        params: cancel_job::Params,
    ) -> cancel_job::Response {
        cancel_job::Response::Default {
            status: 418,
            body: types::Problem {
                type_: None,
                title: format!("cannot cancel {}", params.job_id),
                status: None,
                detail: None,
            },
        }
    }
}

#[derive(Default)]
struct Seen {
    progress: Vec<run_job::Progress>,
    logs: Vec<run_job::Log>,
    steps: Vec<run_job::Steps>,
}

impl RunJobObserver for Seen {
    fn on_progress(&mut self, push: run_job::Progress) {
        self.progress.push(push);
    }
    fn on_log(&mut self, push: run_job::Log) {
        self.logs.push(push);
    }
    fn on_steps(&mut self, push: run_job::Steps) {
        self.steps.push(push);
    }
}

async fn client() -> JobsClient {
    JobsClient::new(format!(
        "http://{}",
        support::serve_router(router(Runner)).await
    ))
}

/// Every binding that carries an envelope-mode operation's pushes.
const BINDINGS: [PushBinding; 3] = [
    PushBinding::Sse,
    PushBinding::NdJson,
    PushBinding::Http2Push,
];

fn job() -> types::RunJobRequest {
    types::RunJobRequest {
        steps: vec![types::Step {
            name: "build".into(),
            command: None,
            substeps: None,
            on_failure: Some(Box::new(types::Step {
                name: "cleanup".into(),
                command: Some(vec!["rm".into(), "-rf".into()]),
                substeps: None,
                on_failure: None,
            })),
        }],
        labels: None,
    }
}

/// Over SSE, NDJSON and HTTP/2 server push alike: in the last, each push is a promised
/// `GET` of its path, which alone says which of the three push items it is, with its
/// own status (a 500, a 204 without a body) and typed headers.
#[tokio::test]
async fn every_push_item_reaches_its_observer_method() {
    support::bounded(async {
        let client = client().await;
        for binding in BINDINGS {
            every_push_item_over(&client.clone().with_push_binding(binding)).await;
        }
    })
    .await;
}

async fn every_push_item_over(client: &JobsClient) {
    {
        let params = run_job::Params {
            project_id: 7,
            dry_run: Some(false),
            x_request_id: Some("job-1".into()),
        };
        let mut seen = Seen::default();
        let response = client.run_job(&params, &job(), &mut seen).await.unwrap();
        assert!(matches!(
            response,
            run_job::Response::Ok { body: types::JobResult { ref job_id, state: types::JobResultState::TimedOut, .. } } if job_id == "job-1"
        ));
        assert_eq!(seen.progress.len(), 1);
        assert_eq!(seen.progress[0].project_id, 7);
        assert_eq!(seen.logs.len(), 1);
        let run_job::LogResponse::Ok { headers, body } = &seen.logs[0].response;
        assert_eq!(headers.x_log_level, types::LogLevel::Warn);
        assert_eq!(headers.x_sequence, Some(7));
        assert_eq!(body, "disk almost full");
        let kinds: Vec<(i32, &str)> = seen
            .steps
            .iter()
            .map(|s| {
                let kind = match &s.response {
                    run_job::StepsResponse::Ok { .. } => "ok",
                    run_job::StepsResponse::InternalServerError { headers, .. } => {
                        assert!(headers.x_retryable);
                        "failed"
                    }
                    run_job::StepsResponse::NoContent => "skipped",
                };
                (s.index, kind)
            })
            .collect();
        assert_eq!(kinds, [(0, "ok"), (1, "failed"), (2, "skipped")]);
    }
}

#[tokio::test]
async fn header_only_errors_ranges_and_defaults_keep_their_status() {
    support::bounded(async {
        let client = client().await;
        for binding in BINDINGS {
            errors_keep_their_status_over(&client.clone().with_push_binding(binding)).await;
        }
    })
    .await;
}

async fn errors_keep_their_status_over(client: &JobsClient) {
    {
        let conflict = run_job::Params {
            project_id: 409,
            dry_run: None,
            x_request_id: None,
        };
        let response = client.run_job(&conflict, &job(), &mut ()).await.unwrap();
        assert_eq!(
            response,
            run_job::Response::Conflict {
                headers: run_job::ConflictHeaders {
                    retry_after: Some(30)
                }
            }
        );

        let params = run_job::Params {
            project_id: 1,
            dry_run: None,
            x_request_id: None,
        };
        let empty = types::RunJobRequest {
            steps: vec![],
            labels: None,
        };
        let response = client.run_job(&params, &empty, &mut ()).await.unwrap();
        assert!(matches!(
            response,
            run_job::Response::Status4xx { status: 422, .. }
        ));

        let cancel = cancel_job::Params {
            project_id: 1,
            job_id: "j 1".into(),
        };
        let response = client.cancel_job(&cancel).await.unwrap();
        let cancel_job::Response::Default { status, body } = response else {
            panic!("{response:?}");
        };
        assert_eq!(status, 418);
        assert_eq!(body.title, "cannot cancel j 1");
    }
}

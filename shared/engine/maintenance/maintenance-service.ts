/**
 * The shape every background chore has (river's maintenance services are the model), so one
 * maintainer starts and stops them all the same way. `stop()` waits for a run in progress.
 */
export interface MaintenanceService {
  /** For logs. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

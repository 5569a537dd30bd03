/**
 * The hosts' seat reports, as infra/host/seat-report.sh writes them on EC2: every report
 * interval, for each run that is up, each seat's code-server state into the run's report
 * parameter (shared/idle/seat-report.ts). Nothing runs code-server here, so the seats are
 * what the sandbox is told: all idle (never opened) or all alive at start (SANDBOX_SEATS),
 * then changed through `POST /sandbox/seats`; a host can be silenced to show what a host
 * that stopped reporting does.
 *
 * A host writes as its role lets it on AWS: it overwrites the report CloudFormation created
 * for its run and tagged with its instance, and nothing else (no report, no write).
 */
import { seatReportName, type SeatStatus } from '../../shared/idle/seat-report';
import type { SandboxCloudFormation } from './cloudformation/service';
import type { SandboxParameterStore } from './ssm';

/** How a seat can be marked: `idle` is code-server's "expired", since the moment it was marked. */
export type SandboxSeatMark = 'alive' | 'idle' | 'unreachable';

/** `POST /sandbox/seats`: a state for some seats (every seat without `slots`), or the host's reports on or off. */
export interface SeatsRequest {
  status?: SandboxSeatMark;
  slots?: number[];
  reporting?: boolean;
}

/** `GET /sandbox/seats`, and the answer to a POST. */
export interface SeatsAnswer {
  reporting: boolean;
  /** What each seat marked so far answers on /healthz; unmarked seats answer as SANDBOX_SEATS says. */
  seats: Record<string, { status: SeatStatus; lastHeartbeat: number }>;
  initial: 'idle' | 'alive';
}

interface SeatHealth {
  status: SeatStatus;
  /** Milliseconds, as code-server counts them; 0 until a browser connects. */
  lastHeartbeat: number;
}

export class SandboxHosts {
  private readonly marked = new Map<number, SeatHealth>();
  private reporting = true;
  /** The run the marks are for: a new run's seats start over, as SANDBOX_SEATS says. */
  private markedRun: string | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly options: {
      cloudFormation: SandboxCloudFormation;
      parameters: SandboxParameterStore;
      /** How often each host reports (AWS: a minute). */
      reportMs: number;
      /** SANDBOX_SEATS: what a seat nobody marked answers. */
      initial: 'idle' | 'alive';
      log: (line: string) => void;
    },
  ) {
    this.timer = setInterval(() => this.reportAll(), options.reportMs);
  }

  /** Marks seats as a browser would make them: alive while connected, idle (expired) from the moment it left. */
  change(request: SeatsRequest): SeatsAnswer {
    this.followRun();
    if (request.reporting !== undefined) {
      this.reporting = request.reporting;
      this.options.log(request.reporting ? 'the hosts report their seats again' : 'the hosts stopped reporting their seats');
    }
    if (request.status) {
      const slots = request.slots ?? [...new Set(this.options.cloudFormation.runningHosts().flatMap((host) => host.slots))];
      const now = Date.now();
      for (const slot of slots) {
        const previous = this.healthOf(slot);
        this.marked.set(slot, {
          status: request.status === 'idle' ? 'expired' : request.status,
          // Alive beats now; idle keeps the last beat (now, if it was alive until this moment); unreachable says nothing.
          lastHeartbeat: request.status === 'unreachable' ? 0 : request.status === 'alive' || previous.status === 'alive' ? now : previous.lastHeartbeat,
        });
      }
      this.options.log(`seats ${slots.map((slot) => `dev-${slot}`).join(', ') || '(none running)'} marked ${request.status}`);
    }
    this.reportAll();
    return this.describe();
  }

  describe(): SeatsAnswer {
    return { reporting: this.reporting, initial: this.options.initial, seats: Object.fromEntries([...this.marked].map(([slot, health]) => [String(slot), health])) };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private healthOf(slot: number): SeatHealth {
    return this.marked.get(slot) ?? (this.options.initial === 'alive' ? { status: 'alive', lastHeartbeat: Date.now() } : { status: 'expired', lastHeartbeat: 0 });
  }

  private followRun(): void {
    const run = this.options.cloudFormation.runningHosts()[0]?.stackId;
    if (run !== undefined && run !== this.markedRun) {
      this.marked.clear();
      this.markedRun = run;
    }
  }

  private reportAll(): void {
    this.followRun();
    if (!this.reporting) return;
    for (const host of this.options.cloudFormation.runningHosts()) {
      const name = seatReportName(host.stackName, host.runId);
      const owner = this.options.parameters.tagsOf(name)?.['team-ide:host'];
      // The host role's condition: only the report tagged with this instance (infra/deploy-resources.yml, HostRole).
      if (!owner?.endsWith(`:instance/${host.instanceId}`)) continue;
      const seats = host.slots.map((slot) => {
        const health = this.healthOf(slot);
        // A connected browser keeps the heartbeat current.
        if (health.status === 'alive') health.lastHeartbeat = Date.now();
        return { slot, status: health.status, ...(health.status === 'unreachable' ? {} : { lastHeartbeat: health.lastHeartbeat }) };
      });
      this.options.parameters.put(name, JSON.stringify({ seats }), 'String');
    }
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { AuditorVerifyController } from './auditor-verify.controller';
import { AuditorVerifyService, VERIFY_ENV } from './auditor-verify.service';
import { DashboardApiController } from './dashboard-api.controller';
import { DEFAULT_DASHBOARD_DIST, loadDashboardBundle } from './dashboard-assets';
import { DASHBOARD_BUNDLE, DashboardController } from './dashboard.controller';
import { DashboardOverviewService } from './dashboard-overview.service';

/** Where the dashboard's files are and where the auditor's verifier reads its settings. */
export interface DashboardModuleOptions {
  /** The built bundle (default: gateway/dashboard/dist, where `npm run build` writes it). */
  readonly distDirectory?: string;
  /** The verifier's settings, as `provena-verify` reads them (default: the process's environment). */
  readonly verifyEnv?: NodeJS.ProcessEnv;
}

/**
 * The web dashboard at `/`, its two API helpers (`/dashboard/session`, `/dashboard/shipments`) and the
 * auditor-only `POST /verify/shipments/{id}`. Needs the API module (its global guard and `LEDGER`).
 *
 * @example
 * @Module({ imports: [ApiModule.forRoot(config.api), DashboardModule.forRoot()] })
 */
@Module({})
export class DashboardModule {
  static forRoot(options: DashboardModuleOptions = {}): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [DashboardController, DashboardApiController, AuditorVerifyController],
      providers: [
        {
          provide: DASHBOARD_BUNDLE,
          useFactory: () => loadDashboardBundle(options.distDirectory ?? DEFAULT_DASHBOARD_DIST),
        },
        { provide: VERIFY_ENV, useValue: options.verifyEnv ?? process.env },
        DashboardOverviewService,
        AuditorVerifyService,
      ],
    };
  }
}

import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { LAPSE_DETECTOR_ENV } from './config';
import { SweepModule } from './sweep/sweep.module';

// Finds lost and at-risk clients by each client's own rhythm: nightly and on-demand sweeps.
const config = loadAppConfigOrExit('lapse-detector', LAPSE_DETECTOR_ENV);
void bootstrapApp({ app: 'lapse-detector', spec: LAPSE_DETECTOR_ENV, config, imports: [SweepModule.forRoot(config)] });

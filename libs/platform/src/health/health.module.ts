import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** `/health`, `/health/live`, `/health/ready`. Needs the DataSource and the REDIS provider in scope. */
@Module({ controllers: [HealthController] })
export class HealthModule {}

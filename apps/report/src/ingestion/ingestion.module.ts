import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';

/** The ingestion API (`/api/v1/organizations/:id/{clients,visits,payment-events,staff,services}`). */
@Module({ controllers: [IngestionController], providers: [IngestionService, ApiKeyGuard] })
export class IngestionModule {}

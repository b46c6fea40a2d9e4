import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * The console's own CSS and scripts, and the charting library from npm, served by the app itself
 * (no CDN: the console works offline, e.g. on a clinic's closed network). Files are read once at
 * start-up into a fixed map by name, so a request can name nothing outside it (no path traversal).
 */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  const own = join(__dirname, 'assets');
  for (const file of readdirSync(own)) {
    if (TYPES[extname(file)]) assets.set(file, { body: readFileSync(join(own, file)), type: TYPES[extname(file)] });
  }
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  assets.set('chart.umd.min.js', { body: readFileSync(chartJs), type: TYPES['.js'] });
  return assets;
}

@Controller('console/assets')
export class ConsoleAssetsController {
  private readonly assets = loadAssets();

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = this.assets.get(file);
    if (!asset) throw new NotFoundException();
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(asset.body);
  }
}

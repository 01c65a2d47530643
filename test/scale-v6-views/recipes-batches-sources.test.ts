// Scale 6.0.0's own view tests (scale/batch, recipe, product and source test_views.py at tag 6.0.0),
// ported: batches, sources and products (first: their lists count every batch), then recipe types and recipes.
import { batchesSourcesViews } from './batches-sources.views.ts';
import { recipesViews } from './recipes.views.ts';
import { withViewsServer } from './server.ts';

withViewsServer('Scale 6.0.0 view tests: batches, sources, products, recipe types, recipes', [batchesSourcesViews, recipesViews]);

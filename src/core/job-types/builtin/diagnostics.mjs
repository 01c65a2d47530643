// Scale's diagnostic jobs (v6 /diagnostics/): `hello` prints a greeting, `roulette` completes or
// fails at even odds, `bake` runs for SECONDS (15 minutes unless told) and completes.
const kind = process.argv[2];
if (kind === 'hello') {
  console.log('Hello Scale!');
} else if (kind === 'roulette') {
  if (Math.random() < 0.5) {
    console.error('Lost at roulette');
    process.exit(1);
  }
  console.log('Won at roulette');
} else if (kind === 'bake') {
  const seconds = Number(process.env.SECONDS ?? 900);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds) * 1000));
  console.log(`Baked for ${seconds} s`);
} else {
  console.error(`unknown diagnostic ${kind}`);
  process.exit(2);
}

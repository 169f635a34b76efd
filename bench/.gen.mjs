import { generateScaleState } from '@crust-ts/testkit'
const [dir, files] = [process.argv[2], Number(process.argv[3])]
const t = Date.now()
const r = await generateScaleState({ basePath: dir, files, sworkers: 10000, candidates: 1000, guarantors: 10000, accounts: 1000000, blockTimeMs: 1000, log: (l) => console.log(new Date().toISOString(), l) })
console.log(JSON.stringify(r), (Date.now() - t) / 1000)

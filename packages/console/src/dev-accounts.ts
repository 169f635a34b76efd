/**
 * The dev accounts' addresses (//Alice … //Ferdie, sr25519, Crust's SS58 format 66): well-known keys
 * of a dev network, listed here so the page offers them at first paint; their keys are derived by
 * the @polkadot chunk when one first signs. test/dev-accounts.spec.ts derives them again.
 */
export const DEV_ACCOUNTS: ReadonlyArray<{ name: string; address: string }> = [
  { name: 'Alice', address: 'cTM8suyN19VZb7JEPRNvtezyfpEAJyYxHkk1n5J4XEr6XroRa' },
  { name: 'Bob', address: 'cTKZiduBs1mZgxHjszSxwuf4hiP9RX1YxFusT1vvrAsBJ5oTA' },
  { name: 'Charlie', address: 'cTKcNi5KuLmTKau9YXEZGuKWzYWpoWKRogh8nYwDxTGMpNzgH' },
  { name: 'Dave', address: 'cTHS6nFrsYnVzsyzZmhyFChSRggUHqP2j7jHkQP6hMKsbQPXp' },
  { name: 'Eve', address: 'cTMYfVZn1HAHCbbr8WvwyKoq7g6yxdVRNJn7s7U4MAexxRAvh' },
  { name: 'Ferdie', address: 'cTGzKPGnHSjEbqwUbqcgGaAGzboWA6yRoAjEHjMEoCLGWy4vW' },
]

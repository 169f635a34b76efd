export * from './task.js'
export { TaskStore, type TaskStoreInit, type TaskPatch, type NewTask } from './task-store.js'
